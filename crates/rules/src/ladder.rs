//! placeholder
use crate::plan::{Buffers, NodeId, Plan};
pub fn distance(_plan: &Plan, _n: NodeId, _buf: &Buffers, _i: usize) -> f64 { 0.0 }
