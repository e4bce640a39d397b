//! Loading the demo zone's synthetic lead history and "五个一" records (`gaoxin_demo::leads`).
use super::*;
use gaoxin_demo::leads::generate_leads;
use gaoxin_model::Enterprise;
use gaoxin_store::TrackElement;

/// Replaces every lead, its history and the board with the synthetic ones for `firms` (the demo
/// panel), ending at `now`. Returns (leads, history rows, elements).
pub async fn load_demo(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    now: i64,
) -> Result<(usize, usize, usize), gaoxin_store::Error> {
    let d = generate_leads(zone, firms, seed, today(now));
    let leads: Vec<Lead> = d
        .leads
        .iter()
        .map(|l| Lead {
            id: l.id.clone(),
            uscc: l.uscc.clone(),
            firm_name: l.firm_name.clone(),
            in_panel: l.in_panel,
            firm_class: l.firm_class.clone(),
            track: l.track.clone(),
            event: l.event.clone(),
            park: l.park.clone(),
            owner: l.owner.clone(),
            stage: l.stage,
            max_stage: l.max_stage,
            stage_since: l.stage_since,
            next_action: l.next_action.clone(),
            next_date: l.next_date,
            outcome: l.outcome.clone(),
            invest_fen: l.invest_fen,
            landed_park: l.landed_park.clone(),
            drop_reason: l.drop_reason.clone(),
            created_at: l.created_at,
            created_by: l.created_by.clone(),
            updated_at: l.updated_at,
        })
        .collect();
    let events: Vec<(String, LeadEvent)> = d
        .events
        .iter()
        .map(|e| {
            (
                e.lead.clone(),
                LeadEvent {
                    seq: e.seq,
                    at: e.at,
                    by: e.by.clone(),
                    kind: e.kind.clone(),
                    from_stage: e.from_stage,
                    to_stage: e.to_stage,
                    dwell_days: e.dwell_days,
                    note: e.note.clone(),
                },
            )
        })
        .collect();
    let elements: Vec<TrackElement> = d
        .elements
        .iter()
        .map(|e| TrackElement {
            track: e.track.clone(),
            element: e.element.clone(),
            name: e.name.clone(),
            who: e.who.clone(),
            since: e.since,
            status: e.status.clone(),
            evidence: e.evidence.clone(),
            updated_by: "演示数据".into(),
            updated_at: now,
        })
        .collect();
    store.clear_leads().await?;
    store.load_leads(&leads, &events).await?;
    store.clear_track_elements().await?;
    store.put_track_elements(&elements).await?;
    Ok((leads.len(), events.len(), elements.len()))
}
