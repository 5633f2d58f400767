//! A spinner on stderr while the command waits on the network or the browser: only on a
//! terminal, never in `--json` mode or when stderr is piped, so logs and machines see
//! plain lines.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// What the spinner shows, shared with its drawing thread.
#[derive(Default)]
struct Shown {
    label: String,
    /// Lines to print above the spinner (instructions for the user).
    lines: Vec<String>,
}

/// Progress for the user: a label that changes as steps run, and lines printed above it.
/// Without a terminal, labels are dropped and lines go to stderr as they are.
pub struct Spinner {
    live: Option<Live>,
}

struct Live {
    shown: Arc<Mutex<Shown>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// A spinner drawn when stderr is a terminal and `plain` is false (`--json`); not on
    /// Windows, whose classic console does not draw the escape codes it uses.
    pub fn start(plain: bool) -> Self {
        if plain || cfg!(windows) || !std::io::stderr().is_terminal() {
            return Spinner { live: None };
        }
        let shown = Arc::new(Mutex::new(Shown::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (shown, stop) = (shown.clone(), stop.clone());
            std::thread::spawn(move || draw(&shown, &stop))
        };
        Spinner { live: Some(Live { shown, stop, thread: Some(thread) }) }
    }

    /// What is being waited for now.
    pub fn set(&self, label: impl Into<String>) {
        if let Some(live) = &self.live {
            live.shown.lock().unwrap_or_else(PoisonError::into_inner).label = label.into();
        }
    }

    /// A line for the user (an instruction, a URL to open), printed above the spinner.
    pub fn say(&self, line: impl Into<String>) {
        match &self.live {
            Some(live) => live.shown.lock().unwrap_or_else(PoisonError::into_inner).lines.push(line.into()),
            None => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{}", line.into());
                let _ = err.flush();
            }
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(live) = &mut self.live {
            live.stop.store(true, Ordering::Release);
            if let Some(thread) = live.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

fn draw(shown: &Mutex<Shown>, stop: &AtomicBool) {
    let mut frame = 0;
    loop {
        let stopping = stop.load(Ordering::Acquire);
        let (label, lines) = {
            let mut shown = shown.lock().unwrap_or_else(PoisonError::into_inner);
            (shown.label.clone(), std::mem::take(&mut shown.lines))
        };
        let mut err = std::io::stderr().lock();
        // Clear the spinner's line, print what is pending, then redraw it.
        let _ = write!(err, "\r\x1b[K");
        for line in lines {
            let _ = writeln!(err, "{line}");
        }
        if stopping {
            let _ = err.flush();
            return;
        }
        if !label.is_empty() {
            let _ = write!(err, "{} {}", FRAMES[frame % FRAMES.len()], fitted(&label));
        }
        let _ = err.flush();
        drop(err);
        frame += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The label cut to one line of the terminal (`COLUMNS`, else 80): a wrapped line could
/// not be cleared by the next frame.
fn fitted(label: &str) -> String {
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).unwrap_or(80);
    let room = width.saturating_sub(3).max(10);
    let clean: String = label.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= room {
        return clean;
    }
    let mut cut: String = clean.chars().take(room - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_one_line_without_control_characters() {
        let long = format!("fetching the signing keys from https://{}.example/keys\x1b[2J", "a".repeat(200));
        let shown = fitted(&long);
        assert!(shown.chars().count() <= 80 && shown.ends_with('…'), "{shown}");
        assert!(!shown.contains('\x1b'));
        assert_eq!(fitted("short"), "short");
    }
}
