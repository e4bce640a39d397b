//! Verification: whether the inputs a verdict relies on are verified, per row and per chunk.
use super::*;

impl Plan {
    /// Whether the facts `deps` are all verified for a row (years before founding don't count).
    pub fn deps_verified(&self, panel: &Panel, year: i32, row: usize, deps: &[(u16, u8)]) -> bool {
        deps.iter().all(|(f, off)| {
            let y = year - *off as i32;
            if (y as i64) < panel.founded[row] / 10_000 {
                return true;
            }
            panel
                .column(y, *f as usize)
                .is_some_and(|c| c.prov[row] == PROV_VERIFIED)
        })
    }

    /// [`Plan::vtree_verified`] for every row of an evaluated chunk at once. `out[i]` is
    /// meaningful for rows whose verdict passed. Each fact-year's "verified or before founding"
    /// mask is computed once per chunk and shared by every rule (`scratch`).
    #[allow(clippy::too_many_arguments)]
    pub fn vtree_verified_chunk(
        &self,
        t: &VTree,
        panel: &Panel,
        year: i32,
        start: usize,
        buf: &Buffers,
        out: &mut [bool],
        scratch: &mut VerifyScratch,
    ) {
        let len = out.len();
        let key = (panel as *const Panel as usize, year, start, len);
        if scratch.key != key {
            scratch.key = key;
            scratch.epoch += 1;
            let fy = &mut scratch.founded;
            fy.clear();
            fy.extend(
                panel.founded[start..start + len]
                    .iter()
                    .map(|d| (d / 10_000) as i32),
            );
        }
        let mut tmp = scratch.stack.pop().unwrap_or_default();
        tmp.resize(len, 0);
        self.verified_rec(t, panel, year, start, buf, &mut tmp[..len], scratch);
        for (o, x) in out.iter_mut().zip(&tmp) {
            *o = *x != 0;
        }
        scratch.stack.push(tmp);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn verified_rec(
        &self,
        t: &VTree,
        panel: &Panel,
        year: i32,
        start: usize,
        buf: &Buffers,
        out: &mut [u8],
        scratch: &mut VerifyScratch,
    ) {
        let len = out.len();
        match t {
            VTree::All(v) => {
                out.fill(1);
                let mut tmp = scratch.stack.pop().unwrap_or_default();
                tmp.resize(len, 0);
                for c in v {
                    self.verified_rec(c, panel, year, start, buf, &mut tmp[..len], scratch);
                    for i in 0..len {
                        out[i] &= tmp[i];
                    }
                }
                scratch.stack.push(tmp);
            }
            VTree::Any(v) => {
                out.fill(0);
                let mut tmp = scratch.stack.pop().unwrap_or_default();
                tmp.resize(len, 0);
                for (n, c) in v {
                    self.verified_rec(c, panel, year, start, buf, &mut tmp[..len], scratch);
                    let k = *n as usize * buf.len;
                    let (nv, ns) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
                    for i in 0..len {
                        out[i] |= ((ns[i] == OK) & (nv[i] != 0.0)) as u8 & tmp[i];
                    }
                }
                scratch.stack.push(tmp);
            }
            VTree::If {
                cond,
                cond_tree,
                then,
                els,
            } => {
                let mut c_ok = scratch.stack.pop().unwrap_or_default();
                c_ok.resize(len, 0);
                let mut t_ok = scratch.stack.pop().unwrap_or_default();
                t_ok.resize(len, 0);
                self.verified_rec(
                    cond_tree,
                    panel,
                    year,
                    start,
                    buf,
                    &mut c_ok[..len],
                    scratch,
                );
                self.verified_rec(then, panel, year, start, buf, &mut t_ok[..len], scratch);
                self.verified_rec(els, panel, year, start, buf, out, scratch);
                let k = *cond as usize * buf.len;
                let (cv, cs) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
                for i in 0..len {
                    out[i] = if cs[i] == MISS {
                        0
                    } else if cs[i] == OK && cv[i] != 0.0 {
                        t_ok[i] & c_ok[i]
                    } else {
                        out[i]
                    };
                }
                scratch.stack.push(t_ok);
                scratch.stack.push(c_ok);
            }
            VTree::Leaf { deps, manual, .. } => {
                out.fill(1);
                for &(f, off) in deps {
                    let m = scratch.mask(panel, year, start, len, f, off);
                    for i in 0..len {
                        out[i] &= m[i];
                    }
                }
                for m in manual {
                    let entered = panel.manual.get(&self.manual_keys[*m as usize]);
                    match entered {
                        Some(e) => {
                            for (o, x) in out.iter_mut().zip(&e[start..start + len]) {
                                *o &= (!x.is_nan()) as u8;
                            }
                        }
                        None => out.fill(0),
                    }
                }
            }
        }
    }

    /// Whether the verdict of a passing rule rests only on verified inputs: every branch of an
    /// `all`, and at least one passing alternative of an `any`. Entered expert scores count as
    /// verified; assumed ones do not.
    pub fn vtree_verified(
        &self,
        t: &VTree,
        panel: &Panel,
        year: i32,
        row: usize,
        buf: &Buffers,
        i: usize,
    ) -> bool {
        match t {
            VTree::All(v) => v
                .iter()
                .all(|c| self.vtree_verified(c, panel, year, row, buf, i)),
            VTree::Any(v) => v.iter().any(|(n, c)| {
                let (x, s) = buf.get(*n, i);
                s == OK && x != 0.0 && self.vtree_verified(c, panel, year, row, buf, i)
            }),
            VTree::If {
                cond,
                cond_tree,
                then,
                els,
            } => {
                let (x, s) = buf.get(*cond, i);
                if s == MISS {
                    false
                } else if s == OK && x != 0.0 {
                    self.vtree_verified(cond_tree, panel, year, row, buf, i)
                        && self.vtree_verified(then, panel, year, row, buf, i)
                } else {
                    self.vtree_verified(els, panel, year, row, buf, i)
                }
            }
            VTree::Leaf { deps, manual, .. } => {
                self.deps_verified(panel, year, row, deps)
                    && manual.iter().all(|m| {
                        panel
                            .manual
                            .get(&self.manual_keys[*m as usize])
                            .is_some_and(|v| !v[row].is_nan())
                    })
            }
        }
    }
}
