"""Tests passed/failed (and coverage) read from a test runner's output, where it says so."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pydantic import BaseModel


class TestCounts(BaseModel):
    """What a test run reported; ``runner`` names the format recognised."""

    __test__ = False  # not a pytest test class

    runner: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    coverage_pct: float | None = None


_PYTEST = re.compile(r"^=*\s*((?:\d+ \w+,? ?)+) in [\d.]+s", re.MULTILINE)
_PYTEST_PART = re.compile(r"(\d+) (passed|failed|error|errors|skipped|xfailed|xpassed)")
_JEST = re.compile(r"^Tests:\s+(.*?)\s*$", re.MULTILINE)
_CARGO = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")
_GO = re.compile(r"^--- (PASS|FAIL|SKIP): ", re.MULTILINE)
_COVERAGE = re.compile(r"^TOTAL\s+.*?(\d+(?:\.\d+)?)%\s*$|coverage: (\d+(?:\.\d+)?)% of statements",
                       re.MULTILINE)


def parse_counts(output: str) -> TestCounts | None:
    """The counts in ``output`` (pytest, JUnit XML, jest, cargo, go test -v), else None."""
    found = (_pytest(output) or _junit(output) or _jest(output) or _cargo(output)
             or _go(output))
    if found is not None:
        cover = _COVERAGE.search(output)
        if cover:
            found.coverage_pct = float(cover.group(1) or cover.group(2))
    return found


def _pytest(output: str) -> TestCounts | None:
    lines = _PYTEST.findall(output)
    for line in reversed(lines):
        parts = {kind: int(n) for n, kind in _PYTEST_PART.findall(line)}
        if parts:
            return TestCounts(runner="pytest", passed=parts.get("passed", 0),
                              failed=parts.get("failed", 0) + parts.get("error", 0)
                              + parts.get("errors", 0), skipped=parts.get("skipped", 0))
    return None


def _junit(output: str) -> TestCounts | None:
    start = output.find("<testsuite")
    if start < 0:
        return None
    try:
        root = ET.fromstring(output[output.rfind("<?xml", 0, start) if "<?xml" in output[:start]
                                   else start:].strip())
    except ET.ParseError:
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return TestCounts(runner="junit", passed=total - failed - skipped, failed=failed,
                      skipped=skipped)


def _jest(output: str) -> TestCounts | None:
    match = _JEST.search(output)
    if match is None:
        return None
    found = re.findall(r"(\d+) (passed|failed|skipped)", match.group(1))
    parts = {kind: int(n) for n, kind in found}
    return TestCounts(runner="jest", passed=parts.get("passed", 0), failed=parts.get("failed", 0),
                      skipped=parts.get("skipped", 0))


def _cargo(output: str) -> TestCounts | None:
    found = _CARGO.findall(output)
    if not found:
        return None
    return TestCounts(runner="cargo", passed=sum(int(p) for p, _, _ in found),
                      failed=sum(int(f) for _, f, _ in found),
                      skipped=sum(int(i) for _, _, i in found))


def _go(output: str) -> TestCounts | None:
    found = _GO.findall(output)
    if not found:
        return None
    return TestCounts(runner="go", passed=found.count("PASS"), failed=found.count("FAIL"),
                      skipped=found.count("SKIP"))
