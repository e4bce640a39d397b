//! Hostile files for tests (of this crate, the web upload and the CLI).
use flate2::{Compress, Compression, FlushCompress};

/// A "zip bomb" xlsx: a real zip archive whose `xl/worksheets/sheet1.xml` is `mib` MiB of
/// repeated bytes, deflated to about a thousandth of that (one deflate block of 1 MiB repeated —
/// valid, since it refers back only to identical bytes), with the right sizes and CRC-32.
pub fn zip_bomb_xlsx(mib: u32) -> Vec<u8> {
    let chunk = vec![b' '; 1 << 20];
    // one sync-flushed (non-final) block for 1 MiB; after the first, every copy decodes the same
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 16);
    c.compress_vec(&chunk, &mut block, FlushCompress::Sync)
        .expect("deflate");
    let mut data = Vec::with_capacity(block.len() * mib as usize + 16);
    for _ in 0..mib {
        data.extend_from_slice(&block);
    }
    let mut end = Vec::with_capacity(64);
    c.compress_vec(&[], &mut end, FlushCompress::Finish)
        .expect("deflate");
    data.extend_from_slice(&end);
    let one = {
        let mut h = crc32fast::Hasher::new();
        h.update(&chunk);
        h
    };
    let mut h = crc32fast::Hasher::new();
    for _ in 0..mib {
        h.combine(&one);
    }
    let crc = h.finalize();
    let size = (mib as u64) << 20;
    let small = |s: &str| (s.to_string(), s.as_bytes().to_vec());
    let (ct_name, ct) = small(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
    );
    let parts: Vec<(String, u16, u32, u32, u32, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            0,
            crc32fast::hash(&ct),
            ct.len() as u32,
            ct.len() as u32,
            ct,
        ),
        (
            "xl/worksheets/sheet1.xml".into(),
            8,
            crc,
            data.len() as u32,
            size.min(u32::MAX as u64 - 1) as u32,
            data,
        ),
    ];
    let _ = ct_name;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, crc, csize, usize_, body) in &parts {
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&usize_.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&csize.to_le_bytes());
        central.extend_from_slice(&usize_.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&[0; 4]); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
