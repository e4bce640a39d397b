//! The 「说明」 sheet of the workbooks `gaoxin` writes with `--out` (as on the web's exports):
//! the data's time, the scope the command read, the time of the export.
use gaoxin_store::{Scope, Store};

/// The scope of a command that reads the whole zone.
pub const ZONE: &str = "全区（十五个园区）";

/// A command's scope in words (the 说明 sheet's 「数据范围」): the zone, or the park's name.
pub fn scope_words(zone: &gaoxin_model::Zone, scope: &Scope) -> String {
    match scope {
        Scope::Park(p) => zone
            .park(p.as_str())
            .map_or_else(|| p.as_str().to_string(), |x| x.name.clone()),
        Scope::Enterprise(u) => format!("本企业（统一社会信用代码 {}）", u.as_str()),
        Scope::Department(_) => "本部门".into(),
        Scope::Zone => ZONE.into(),
    }
}

/// `bytes` (a finished .xlsx) with its 「说明」 sheet; should that fail, the workbook as it was,
/// with a warning (the export itself is not lost).
pub async fn noted(store: &Store, scope: &str, bytes: Vec<u8>) -> Vec<u8> {
    let as_of = store.data_as_of(&Scope::Zone).await.unwrap_or_else(|e| {
        eprintln!("注意：无法读取数据截至时间（{e}）");
        None
    });
    let note = gaoxin_app::xlsx::export_note(as_of, scope, gaoxin_store::unix_now());
    match gaoxin_app::xlsx::with_note_sheet(&bytes, &note) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("注意：{e}");
            bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;

    #[tokio::test]
    async fn a_written_workbook_says_what_it_holds() {
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "企业名称").unwrap();
        let out = noted(&store, ZONE, wb.save_to_buffer().unwrap()).await;
        let mut x = calamine::Xlsx::new(std::io::Cursor::new(out)).unwrap();
        let n = x.worksheet_range("说明").unwrap();
        let cells: Vec<String> = n
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        assert_eq!(
            cells[..4],
            ["数据截至", "尚无导入或计算记录", "数据范围", ZONE]
        );
    }
}
