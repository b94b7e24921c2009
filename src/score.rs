//! Scores and grades: one formula, reproducible by hand (the README shows it).
//!
//! Each axis starts at 100. Every counted finding deducts by severity (high 20, medium 8,
//! low 3, info 0); one rule's deductions on its axis add up to at most twice the largest single
//! deduction among that rule's findings. Findings on test, example, script and docs surfaces
//! are reported but deduct nothing unless tests are included. An axis never drops below 0.
//! The overall score is 0.5 × security + 0.3 × reliability + 0.2 × documentation, to one
//! decimal; the overall grade is the lower of that score's grade and the security grade.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::discover::Surface;
use crate::finding::{Axis, Severity};
use crate::locate::Located;

/// Points one finding of this severity deducts.
pub fn points(severity: Severity) -> u32 {
    match severity {
        Severity::High => 20,
        Severity::Medium => 8,
        Severity::Low => 3,
        Severity::Info => 0,
    }
}

/// A letter grade; `A` is best. The derived order runs from best to worst, so the lower of two
/// grades is the `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
    F,
}

impl Grade {
    /// A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F; the score is given in tenths of a point so
    /// that no float comparison decides a grade.
    pub fn from_tenths(tenths: u32) -> Grade {
        match tenths {
            900.. => Grade::A,
            800.. => Grade::B,
            700.. => Grade::C,
            600.. => Grade::D,
            _ => Grade::F,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
        }
    }
}

/// Which findings count.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScoreOptions {
    /// Count findings on test, example, script and docs surfaces too (`--include-tests`).
    pub include_tests: bool,
}

/// Points one finding took off its axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deduction {
    pub rule: String,
    pub path: String,
    pub line: usize,
    pub severity: Severity,
    /// Points actually deducted: the severity's points, or less once the rule's cap is reached.
    pub points: u32,
    /// True when the rule's cap reduced this deduction (possibly to 0).
    pub capped: bool,
    /// Index of the finding in the report's findings.
    #[serde(skip)]
    pub finding: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AxisScore {
    pub axis: Axis,
    pub score: u32,
    pub grade: Grade,
    /// Every deduction on this axis, by rule, most severe first within a rule.
    pub deductions: Vec<Deduction>,
}

impl AxisScore {
    fn perfect(axis: Axis) -> AxisScore {
        AxisScore {
            axis,
            score: 100,
            grade: Grade::A,
            deductions: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overall {
    /// 0.5 × security + 0.3 × reliability + 0.2 × documentation, to one decimal.
    pub score: f64,
    /// The lower of the grade of `score` and the security grade.
    pub grade: Grade,
    /// The grade `score` alone earns.
    pub score_grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub overall: Overall,
    pub security: AxisScore,
    pub reliability: AxisScore,
    pub documentation: AxisScore,
    /// Whether findings on test, example, script and docs surfaces counted.
    pub include_tests: bool,
    /// Findings reported but not counted because of their surface.
    pub uncounted_findings: usize,
}

impl Default for Scorecard {
    /// The card of a scan with no findings: 100 and A everywhere.
    fn default() -> Scorecard {
        score(&[], ScoreOptions::default())
    }
}

impl Scorecard {
    pub fn axes(&self) -> [&AxisScore; 3] {
        [&self.security, &self.reliability, &self.documentation]
    }

    /// One line: `score 76.0 F (security 52 F, reliability 100 A, documentation 100 A)`.
    pub fn one_line(&self) -> String {
        let axes: Vec<String> = self
            .axes()
            .iter()
            .map(|a| format!("{} {} {}", a.axis.as_str(), a.score, a.grade.as_str()))
            .collect();
        format!(
            "score {:.1} {} ({})",
            self.overall.score,
            self.overall.grade.as_str(),
            axes.join(", ")
        )
    }
}

/// Whether a finding on this surface counts in scores.
pub fn counts(surface: Surface, options: ScoreOptions) -> bool {
    surface == Surface::Production || options.include_tests
}

pub fn score(findings: &[Located], options: ScoreOptions) -> Scorecard {
    let mut by_rule: BTreeMap<(Axis, &str), Vec<usize>> = BTreeMap::new();
    let mut uncounted = 0;
    for (i, f) in findings.iter().enumerate() {
        // Suppressed and baselined findings leave the scores alone.
        if !f.is_active() {
            continue;
        }
        if counts(f.surface, options) {
            by_rule.entry((f.axis, &f.rule)).or_default().push(i);
        } else {
            uncounted += 1;
        }
    }

    let mut axes: BTreeMap<Axis, AxisScore> =
        [Axis::Security, Axis::Reliability, Axis::Documentation]
            .into_iter()
            .map(|a| (a, AxisScore::perfect(a)))
            .collect();
    for ((axis, _), mut indices) in by_rule {
        // Most severe first, then in report order, so the cap trims the lesser findings.
        indices.sort_by_key(|&i| (std::cmp::Reverse(findings[i].severity), i));
        let cap = 2 * indices
            .iter()
            .map(|&i| points(findings[i].severity))
            .max()
            .unwrap_or(0);
        let mut remaining = cap;
        let axis_score = axes.get_mut(&axis).expect("every axis is present");
        for i in indices {
            let f = &findings[i];
            let full = points(f.severity);
            if full == 0 {
                continue;
            }
            let taken = full.min(remaining);
            remaining -= taken;
            axis_score.deductions.push(Deduction {
                rule: f.rule.clone(),
                path: f.path.clone(),
                line: f.start.line,
                severity: f.severity,
                points: taken,
                capped: taken < full,
                finding: i,
            });
        }
    }
    for axis_score in axes.values_mut() {
        let deducted: u32 = axis_score.deductions.iter().map(|d| d.points).sum();
        axis_score.score = 100u32.saturating_sub(deducted);
        axis_score.grade = Grade::from_tenths(axis_score.score * 10);
    }

    let mut take = |axis| axes.remove(&axis).expect("every axis is present");
    let security = take(Axis::Security);
    let reliability = take(Axis::Reliability);
    let documentation = take(Axis::Documentation);
    // In tenths of a point: exact, so "to one decimal" needs no rounding rule.
    let tenths = 5 * security.score + 3 * reliability.score + 2 * documentation.score;
    let score_grade = Grade::from_tenths(tenths);
    Scorecard {
        overall: Overall {
            score: f64::from(tenths) / 10.0,
            grade: score_grade.max(security.grade),
            score_grade,
        },
        security,
        reliability,
        documentation,
        include_tests: options.include_tests,
        uncounted_findings: uncounted,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::locate::Position;
    use crate::model::Span;

    pub(crate) fn finding(
        rule: &str,
        axis: Axis,
        severity: Severity,
        path: &str,
        line: usize,
    ) -> Located {
        Located {
            rule: rule.into(),
            name: format!("{rule}-name"),
            axis,
            severity,
            path: path.into(),
            start: Position { line, column: 1 },
            end: Position { line, column: 2 },
            message: "message".into(),
            help: "help".into(),
            surface: crate::discover::surface_of(path),
            fingerprint: "0".into(),
            label: "label".into(),
            labels: Vec::new(),
            span: Span { start: 0, end: 1 },
            source: Arc::from("x"),
            suppression: None,
            baseline: false,
        }
    }

    #[test]
    fn grades_follow_the_thresholds() {
        assert_eq!(Grade::from_tenths(1000), Grade::A);
        assert_eq!(Grade::from_tenths(900), Grade::A);
        assert_eq!(Grade::from_tenths(899), Grade::B);
        assert_eq!(Grade::from_tenths(800), Grade::B);
        assert_eq!(Grade::from_tenths(700), Grade::C);
        assert_eq!(Grade::from_tenths(600), Grade::D);
        assert_eq!(Grade::from_tenths(599), Grade::F);
        assert_eq!(Grade::from_tenths(0), Grade::F);
    }

    #[test]
    fn no_findings_is_a_perfect_card() {
        let card = Scorecard::default();
        assert_eq!(card.overall.score, 100.0);
        assert_eq!(card.overall.grade, Grade::A);
        assert!(card.axes().iter().all(|a| a.score == 100));
    }

    /// Worked by hand:
    /// - SEC001, three high findings: 20 + 20 + 20 = 60, capped at 2 × 20 = 40.
    /// - SEC004, one high and two medium: 20 + 8 + 8 = 36, under its cap of 2 × 20 = 40.
    /// - SEC001 in `tests/`: not counted.
    ///
    ///   security = 100 − 40 − 36 = 24 (F)
    /// - REL001, two medium: 8 + 8 = 16, at its cap of 2 × 8 = 16; REL002, one low: 3.
    ///
    ///   reliability = 100 − 16 − 3 = 81 (B)
    /// - DOC001, five low: 15, capped at 2 × 3 = 6; DOC002, one info: 0.
    ///
    ///   documentation = 100 − 6 = 94 (A)
    ///
    /// overall = 0.5 × 24 + 0.3 × 81 + 0.2 × 94 = 12 + 24.3 + 18.8 = 55.1 (F), and the
    /// security grade is F too.
    #[test]
    fn a_hand_computed_card() {
        use Axis::*;
        use Severity::*;
        let findings = vec![
            finding("SEC001", Security, High, "src/a.ts", 1),
            finding("SEC001", Security, High, "src/a.ts", 9),
            finding("SEC001", Security, High, "src/b.ts", 4),
            finding("SEC001", Security, High, "tests/a.test.ts", 4),
            finding("SEC004", Security, Medium, "src/a.ts", 5),
            finding("SEC004", Security, High, "src/c.py", 2),
            finding("SEC004", Security, Medium, "src/c.py", 7),
            finding("REL001", Reliability, Medium, "src/a.ts", 3),
            finding("REL001", Reliability, Medium, "src/b.ts", 3),
            finding("REL002", Reliability, Low, "src/b.ts", 8),
            finding("DOC001", Documentation, Low, "src/a.ts", 1),
            finding("DOC001", Documentation, Low, "src/a.ts", 2),
            finding("DOC001", Documentation, Low, "src/a.ts", 3),
            finding("DOC001", Documentation, Low, "src/a.ts", 4),
            finding("DOC001", Documentation, Low, "src/a.ts", 5),
            finding("DOC002", Documentation, Info, "src/a.ts", 6),
        ];
        let card = score(&findings, ScoreOptions::default());
        assert_eq!((card.security.score, card.security.grade), (24, Grade::F));
        assert_eq!(
            (card.reliability.score, card.reliability.grade),
            (81, Grade::B)
        );
        assert_eq!(
            (card.documentation.score, card.documentation.grade),
            (94, Grade::A)
        );
        assert_eq!(card.overall.score, 55.1);
        assert_eq!(card.overall.grade, Grade::F);
        assert_eq!(card.uncounted_findings, 1);

        let sec001: Vec<(u32, bool)> = card
            .security
            .deductions
            .iter()
            .filter(|d| d.rule == "SEC001")
            .map(|d| (d.points, d.capped))
            .collect();
        assert_eq!(sec001, vec![(20, false), (20, false), (0, true)]);
        // The high SEC004 finding deducts first, whatever its place in the report.
        let sec004: Vec<(Severity, u32)> = card
            .security
            .deductions
            .iter()
            .filter(|d| d.rule == "SEC004")
            .map(|d| (d.severity, d.points))
            .collect();
        assert_eq!(sec004, vec![(High, 20), (Medium, 8), (Medium, 8)]);
        let doc: Vec<u32> = card
            .documentation
            .deductions
            .iter()
            .map(|d| d.points)
            .collect();
        assert_eq!(doc, vec![3, 3, 0, 0, 0], "info findings are not deductions");
    }

    #[test]
    fn mixed_severities_cap_at_twice_the_largest() {
        use Severity::*;
        // One high and four medium: 20 + 32 = 52, capped at 40; the last medium deducts 4.
        let findings: Vec<Located> = [High, Medium, Medium, Medium, Medium]
            .into_iter()
            .enumerate()
            .map(|(i, s)| finding("SEC004", Axis::Security, s, "src/a.ts", i + 1))
            .collect();
        let card = score(&findings, ScoreOptions::default());
        let points: Vec<(u32, bool)> = card
            .security
            .deductions
            .iter()
            .map(|d| (d.points, d.capped))
            .collect();
        assert_eq!(
            points,
            vec![(20, false), (8, false), (8, false), (4, true), (0, true)]
        );
        assert_eq!(card.security.score, 60);
        // 0.5 × 60 + 0.3 × 100 + 0.2 × 100 = 80.0 (B), bounded by security D.
        assert_eq!(card.overall.score, 80.0);
        assert_eq!(card.overall.score_grade, Grade::B);
        assert_eq!(card.overall.grade, Grade::D);
    }

    #[test]
    fn scores_floor_at_zero_and_tests_count_when_included() {
        let findings: Vec<Located> = (1..=4)
            .map(|n| {
                finding(
                    &format!("SEC00{n}"),
                    Axis::Security,
                    Severity::High,
                    "test/x.ts",
                    n,
                )
            })
            .collect();
        let excluded = score(&findings, ScoreOptions::default());
        assert_eq!(excluded.security.score, 100);
        assert_eq!(excluded.uncounted_findings, 4);
        let mut more = findings.clone();
        more.extend(findings.iter().map(|f| {
            let mut f = f.clone();
            f.start.line += 100;
            f
        }));
        more.push(finding(
            "SEC009",
            Axis::Security,
            Severity::High,
            "src/x.ts",
            1,
        ));
        // 4 rules × 40 + 20 = 180 points off 100: floored at 0.
        let included = score(
            &more,
            ScoreOptions {
                include_tests: true,
            },
        );
        assert_eq!(included.security.score, 0);
        assert_eq!(included.overall.score, 50.0);
        assert_eq!(included.uncounted_findings, 0);
    }
}
