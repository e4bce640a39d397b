//! The project's one pseudo-random generator: xoshiro256** (Blackman & Vigna) seeded through
//! SplitMix64. Dependency-free, and its stream depends only on the seed — never on the platform
//! or the thread count — so the demo zone and the indicator engine's Monte Carlo and Sobol runs
//! reproduce from a seed. Each user adds the distributions it needs on top (`gaoxin_demo::rng`,
//! `gaoxin_index::rng`). Not for cryptography.

/// One SplitMix64 step: expands seeds and derives independent streams.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**.
#[derive(Debug, Clone)]
pub struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> Xoshiro256 {
        let mut st = seed;
        Xoshiro256 {
            s: [
                splitmix64(&mut st),
                splitmix64(&mut st),
                splitmix64(&mut st),
                splitmix64(&mut st),
            ],
        }
    }

    /// Next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_stream() {
        // xoshiro256** seeded by SplitMix64(0), as computed by an independent implementation
        // (Python, from the published algorithms): a change to the generator would change every
        // demo zone and Monte Carlo run, so it must fail here first.
        let mut r = Xoshiro256::new(0);
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(
            got,
            [
                0x99ec_5f36_cb75_f2b4,
                0xbf6e_1f78_4956_452a,
                0x1a5f_849d_4933_e6e0
            ]
        );
        let u = Xoshiro256::new(7).unit();
        assert!((0.0..1.0).contains(&u));
    }
}
