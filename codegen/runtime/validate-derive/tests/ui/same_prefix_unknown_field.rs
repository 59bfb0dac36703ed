use cloudflare_cni_validate::Validate;

#[derive(Validate)]
struct Cni {
    #[validate(cidr)]
    p2p_ip: String,
    #[validate(cidr, same_prefix = "p2p_pi")]
    cust_ip: String,
    #[validate(same_prefix = "mtu")]
    other_ip: String,
    mtu: i32,
}

fn main() {}
