use cloudflare_cni_validate::Validate;

#[derive(Validate)]
struct Link {
    #[validate(cdir)]
    p2p_ip: String,
    #[validate(minimun = 0)]
    mtu: i32,
}

fn main() {}
