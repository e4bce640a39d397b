//! A one-line progress bar on standard error, drawn only when standard error is a terminal.
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Bar {
    label: String,
    tty: bool,
    start: Instant,
    last: Instant,
}

impl Bar {
    pub fn new(label: &str) -> Bar {
        let now = Instant::now();
        Bar {
            label: label.to_string(),
            tty: std::io::stderr().is_terminal(),
            start: now,
            last: now - Duration::from_secs(1),
        }
    }

    /// `done` of `total` (bytes or rows); `rows` shown beside.
    pub fn update(&mut self, done: u64, total: u64, rows: u64) {
        if !self.tty || self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let frac = if total > 0 {
            (done as f64 / total as f64).min(1.0)
        } else {
            0.0
        };
        let width = 30;
        let filled = (frac * width as f64) as usize;
        let rate = rows as f64 / self.start.elapsed().as_secs_f64().max(1e-3);
        eprint!(
            "\r{} [{}{}] {:>5.1}%  {} 行  {:.0} 行/秒 ",
            self.label,
            "#".repeat(filled),
            "-".repeat(width - filled),
            frac * 100.0,
            rows,
            rate
        );
        let _ = std::io::stderr().flush();
    }

    pub fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}
