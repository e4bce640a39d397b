//! What a file says about a stored row: [`FactsPatch`] and [`FirmPatch`] (set, clear or keep
//! each field), and the [`Change`]s (old → new) that merging them records.
use gaoxin_model::{
    Date, Enterprise, F, Facts, IndustryCode, Listing, N_FIELDS, ParkId, Provenance, Sector, Uscc,
    Year,
};

/// What one cell of a file does to a stored fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Touch {
    /// The column is absent or the cell blank: the stored value stays.
    #[default]
    Keep,
    /// The cell holds a value (in the patch's `facts`).
    Set,
    /// The cell holds the explicit clearing marker: the stored value is removed.
    Clear,
}

/// One firm-year as a file gives it: the values it sets and what it does to each fact.
#[derive(Debug, Clone)]
pub struct FactsPatch {
    /// The values of the cells marked [`Touch::Set`], with their provenance.
    pub facts: Facts,
    pub touch: [Touch; N_FIELDS],
}

impl FactsPatch {
    pub fn new(uscc: Uscc, year: Year) -> FactsPatch {
        FactsPatch {
            facts: Facts::new(uscc, year),
            touch: [Touch::Keep; N_FIELDS],
        }
    }

    /// The row after the patch: `old` (or an empty row) with the set and cleared facts replaced.
    pub fn apply(&self, old: Option<&Facts>) -> Facts {
        let mut out = match old {
            Some(o) => o.clone(),
            None => Facts::new(self.facts.uscc.clone(), self.facts.year),
        };
        for i in 0..N_FIELDS {
            match self.touch[i] {
                Touch::Keep => {}
                Touch::Set => {
                    out.values[i] = self.facts.values[i];
                    out.provenance[i] = self.facts.provenance[i].clone();
                }
                Touch::Clear => {
                    out.values[i] = None;
                    out.provenance[i] = Provenance::Missing;
                }
            }
        }
        out
    }
}

/// A firm's identity as a file gives it. `None` leaves the stored value (a column the file does
/// not have, or a blank cell); the optional fields can be cleared explicitly (`Some(None)`,
/// `Some(vec![])`, `Some(Listing::Unlisted)`). The synthetic (demo) label is never in a file and
/// never changed by an import.
#[derive(Debug, Clone)]
pub struct FirmPatch {
    pub uscc: Uscc,
    pub name: Option<String>,
    pub park: Option<ParkId>,
    pub founded: Option<Date>,
    pub industry: Option<IndustryCode>,
    pub sector: Option<Sector>,
    pub tech_field: Option<Option<String>>,
    pub listing: Option<Listing>,
    pub clusters: Option<Vec<String>>,
    pub tracks: Option<Vec<String>>,
}

impl FirmPatch {
    pub fn new(uscc: Uscc) -> FirmPatch {
        FirmPatch {
            uscc,
            name: None,
            park: None,
            founded: None,
            industry: None,
            sector: None,
            tech_field: None,
            listing: None,
            clusters: None,
            tracks: None,
        }
    }

    /// A new firm, when the patch holds every required field (name, park, founded, industry).
    pub fn to_new(&self) -> Option<Enterprise> {
        let industry = self.industry.clone()?;
        Some(Enterprise {
            uscc: self.uscc.clone(),
            name: self.name.clone()?,
            park: self.park.clone()?,
            founded: self.founded?,
            sector: self.sector.unwrap_or_else(|| industry.default_sector()),
            industry,
            tech_field: self.tech_field.clone().flatten(),
            listing: self.listing.unwrap_or(Listing::Unlisted),
            clusters: self.clusters.clone().unwrap_or_default(),
            tracks: self.tracks.clone().unwrap_or_default(),
            synthetic: false,
        })
    }

    /// The stored firm with the given fields replaced (its synthetic label kept).
    pub fn apply(&self, old: &Enterprise) -> Enterprise {
        let mut e = old.clone();
        if let Some(v) = &self.name {
            e.name = v.clone();
        }
        if let Some(v) = &self.park {
            e.park = v.clone();
        }
        if let Some(v) = self.founded {
            e.founded = v;
        }
        if let Some(v) = &self.industry {
            e.industry = v.clone();
        }
        if let Some(v) = self.sector {
            e.sector = v;
        }
        if let Some(v) = &self.tech_field {
            e.tech_field = v.clone();
        }
        if let Some(v) = self.listing {
            e.listing = v;
        }
        if let Some(v) = &self.clusters {
            e.clusters = v.clone();
        }
        if let Some(v) = &self.tracks {
            e.tracks = v.clone();
        }
        e
    }
}

/// An identity field, as changes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityField {
    Name,
    Park,
    Founded,
    Industry,
    Sector,
    TechField,
    Listing,
    Clusters,
    Tracks,
}

/// What changed in one field of a stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeWhat {
    /// Park, cluster and track values are ids (callers show names); lists are joined with `、`.
    Identity {
        field: IdentityField,
        old: String,
        new: String,
    },
    Fact {
        field: F,
        old: Option<i64>,
        new: Option<i64>,
    },
    /// Same value, another source.
    Source {
        field: F,
        old: Provenance,
        new: Provenance,
    },
}

/// One changed field of one firm (identity: `year` is `None`) or firm-year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub uscc: Uscc,
    pub year: Option<Year>,
    pub what: ChangeWhat,
}

pub(super) fn identity_changes(old: &Enterprise, new: &Enterprise) -> Vec<ChangeWhat> {
    let list = |v: &[String]| v.join("、");
    let pairs = [
        (IdentityField::Name, old.name.clone(), new.name.clone()),
        (
            IdentityField::Park,
            old.park.to_string(),
            new.park.to_string(),
        ),
        (
            IdentityField::Founded,
            old.founded.to_string(),
            new.founded.to_string(),
        ),
        (
            IdentityField::Industry,
            old.industry.to_string(),
            new.industry.to_string(),
        ),
        (
            IdentityField::Sector,
            old.sector.zh().to_string(),
            new.sector.zh().to_string(),
        ),
        (
            IdentityField::TechField,
            old.tech_field.clone().unwrap_or_default(),
            new.tech_field.clone().unwrap_or_default(),
        ),
        (
            IdentityField::Listing,
            old.listing.zh().to_string(),
            new.listing.zh().to_string(),
        ),
        (
            IdentityField::Clusters,
            list(&old.clusters),
            list(&new.clusters),
        ),
        (IdentityField::Tracks, list(&old.tracks), list(&new.tracks)),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, old, new)| ChangeWhat::Identity { field, old, new })
        .collect()
}

pub(super) fn fact_changes(old: &Facts, new: &Facts) -> Vec<ChangeWhat> {
    let mut v = Vec::new();
    for (i, f) in F::ALL.iter().enumerate() {
        if old.values[i] != new.values[i] {
            v.push(ChangeWhat::Fact {
                field: *f,
                old: old.values[i],
                new: new.values[i],
            });
        } else if old.provenance[i] != new.provenance[i] {
            v.push(ChangeWhat::Source {
                field: *f,
                old: old.provenance[i].clone(),
                new: new.provenance[i].clone(),
            });
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> Uscc {
        Uscc::from_body("91320100MA0000001").unwrap()
    }

    #[test]
    fn a_facts_patch_sets_clears_and_keeps() {
        let y = Year::new(2024).unwrap();
        let mut old = Facts::new(code(), y);
        old.set(F::Revenue, Some(100), Provenance::Verified("税务".into()));
        old.set(F::Employees, Some(7), Provenance::Declared);
        old.set(F::IpClass1, Some(3), Provenance::Imputed);
        let mut p = FactsPatch::new(code(), y);
        p.facts.set(F::Revenue, Some(120), Provenance::Declared);
        p.touch[F::Revenue as usize] = Touch::Set;
        p.touch[F::Employees as usize] = Touch::Clear;
        let new = p.apply(Some(&old));
        assert_eq!(new.get(F::Revenue), Some(120));
        assert_eq!(new.prov(F::Revenue), &Provenance::Declared);
        assert_eq!(
            (new.get(F::Employees), new.prov(F::Employees)),
            (None, &Provenance::Missing)
        );
        assert_eq!(
            (new.get(F::IpClass1), new.prov(F::IpClass1)),
            (Some(3), &Provenance::Imputed)
        );
        let changes = fact_changes(&old, &new);
        assert_eq!(changes.len(), 2, "{changes:?}");
        // Without a stored row the patch's own facts are the row.
        assert_eq!(p.apply(None), p.facts);
    }

    #[test]
    fn a_firm_patch_keeps_what_it_does_not_give_and_the_demo_label() {
        let old = Enterprise {
            uscc: code(),
            name: "甲".into(),
            park: gaoxin_model::ParkId::parse("xingang").unwrap(),
            founded: Date::new(2015, 6, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: Sector::Manufacturing,
            tech_field: Some("电子信息".into()),
            listing: Listing::Neeq,
            clusters: vec!["c05".into()],
            tracks: vec![],
            synthetic: true,
        };
        let mut p = FirmPatch::new(code());
        assert_eq!(p.apply(&old), old);
        assert_eq!(p.to_new(), None, "a new firm needs its identity");
        p.park = Some(gaoxin_model::ParkId::parse("jiangbei").unwrap());
        p.tech_field = Some(None);
        let new = p.apply(&old);
        assert!(new.synthetic);
        assert_eq!(
            (new.park.as_str(), new.tech_field.as_deref()),
            ("jiangbei", None)
        );
        assert_eq!(identity_changes(&old, &new).len(), 2);
    }
}
