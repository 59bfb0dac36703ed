use cloudflare_cni_validate::Validate;

#[derive(Validate)]
struct Link {
    #[validate(cidr)]
    p2p_ip: u32,
    #[validate(minimum = 0)]
    mtu: String,
    #[validate(each(cidr))]
    prefixes: String,
    #[validate(md5_key)]
    key: Option<Vec<String>>,
}

fn main() {}
