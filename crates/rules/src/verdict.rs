//! Value states and verdicts: the three states of a computed value ([`OK`], [`UNDEF`], [`MISS`]),
//! the three-valued [`Verdict`] of a rule and the [`Finding`] a list shows for it.

/// Value states.
pub const OK: u8 = 0;
pub const UNDEF: u8 = 1;
pub const MISS: u8 = 2;

/// Three-valued verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Verdict {
    Pass,
    Fail,
    /// Unknown because an input is missing.
    Unknown,
}

/// What a list, a count or an export shows for a verdict: the verdict, except that a verdict the
/// other expert-score assumption would turn is its own state — a firm that fails under the
/// conservative assumption but passes under the optimistic one is neither 符合 nor 不符合.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Pass,
    Fail,
    /// The verdict depends on the expert-score assumption.
    Depends,
    /// An input is missing.
    Unknown,
}

impl Finding {
    pub const ALL: [Finding; 4] = [
        Finding::Pass,
        Finding::Fail,
        Finding::Depends,
        Finding::Unknown,
    ];
    /// The state of verdict `v`, `dependent` when the other assumption gives another verdict. A
    /// missing input stays unknown whatever the assumption.
    pub fn of(v: Verdict, dependent: bool) -> Finding {
        match v {
            Verdict::Unknown => Finding::Unknown,
            _ if dependent => Finding::Depends,
            Verdict::Pass => Finding::Pass,
            Verdict::Fail => Finding::Fail,
        }
    }
    /// [`Finding::of`] of a stored verdict key (`pass`, `fail`, `unknown`).
    pub fn of_key(verdict: &str, dependent: bool) -> Finding {
        Finding::of(
            Verdict::parse(verdict).unwrap_or(Verdict::Unknown),
            dependent,
        )
    }
    /// The one Chinese wording of each state, on every page, list, export and CLI output.
    pub fn zh(self) -> &'static str {
        match self {
            Finding::Pass => "符合",
            Finding::Fail => "不符合",
            Finding::Depends => "取决于专家评分假设",
            Finding::Unknown => "无法判定（缺少数据）",
        }
    }
    /// `pass`, `fail`, `depends`, `unknown` (HTML classes, JSON).
    pub fn key(self) -> &'static str {
        match self {
            Finding::Pass => "pass",
            Finding::Fail => "fail",
            Finding::Depends => "depends",
            Finding::Unknown => "unknown",
        }
    }
}

impl Verdict {
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "unknown" => Some(Verdict::Unknown),
            _ => None,
        }
    }
    /// The Chinese label ([`Finding::zh`], the one wording of every verdict).
    pub fn zh(self) -> &'static str {
        Finding::of(self, false).zh()
    }
    /// `pass`, `fail`, `unknown` (stored runs, HTML classes).
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
        }
    }
    #[inline(always)]
    pub(crate) fn of(v: f64, s: u8) -> Verdict {
        // Branch-free: 0 pass, 1 fail, 2 unknown (a missing row is never a pass).
        let pass = (s == OK) & (v != 0.0);
        match (!pass) as u8 + (s == MISS) as u8 {
            0 => Verdict::Pass,
            1 => Verdict::Fail,
            _ => Verdict::Unknown,
        }
    }
    /// The verdicts of a chunk's values and states (`out[i]` for row `i`); returns whether
    /// some row passes and whether every row does. Compiled for AVX2 too, chosen at run time
    /// as the chunk kernels are.
    pub(crate) fn of_chunk(v: &[f64], s: &[u8], out: &mut [Verdict]) -> (bool, bool) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked on the line above.
            return unsafe { Verdict::of_chunk_avx2(v, s, out) };
        }
        Verdict::of_chunk_impl(v, s, out)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn of_chunk_avx2(v: &[f64], s: &[u8], out: &mut [Verdict]) -> (bool, bool) {
        Verdict::of_chunk_impl(v, s, out)
    }
    // Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn of_chunk_impl(v: &[f64], s: &[u8], out: &mut [Verdict]) -> (bool, bool) {
        let len = out.len();
        let (v, s) = (&v[..len], &s[..len]);
        // Byte-wide or / and of "passes" (a count would widen every lane to 64 bits).
        let (mut some, mut every) = (0u8, 1u8);
        for i in 0..len {
            let x = Verdict::of(v[i], s[i]);
            out[i] = x;
            let pass = (x == Verdict::Pass) as u8;
            some |= pass;
            every &= pass;
        }
        (some != 0, every != 0)
    }
    pub fn code(self) -> u8 {
        match self {
            Verdict::Pass => 1,
            Verdict::Fail => 0,
            Verdict::Unknown => 2,
        }
    }
    pub fn from_code(c: u8) -> Verdict {
        match c {
            1 => Verdict::Pass,
            0 => Verdict::Fail,
            _ => Verdict::Unknown,
        }
    }
}
