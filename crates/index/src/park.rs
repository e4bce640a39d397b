//! placeholder
pub struct ParkScheme;
impl ParkScheme { pub fn from_toml_str(_t: &str, _f: &str) -> crate::error::Result<Self> { Ok(ParkScheme) } }
