"""The bench's summary over rounds: each round against its own floor, then the median."""

from bench import report


def _step(target: str, rate: float, cpu: float, p99: float = 5.0) -> dict:
    return {
        "target": target,
        "rate": rate,
        "server_cpu": cpu,
        "p99_ms": p99,
        "lost": 0,
        "duplicated": 0,
        "misrouted": 0,
        "http_errors": 0,
        "ws_errors": 0,
        "sockets_closed": 0,
    }


def _connect(target: str, per_second: float) -> dict:
    return {"target": target, "connects_per_s": per_second}


def test_each_round_is_divided_by_its_own_floor_and_the_median_is_the_runs_figure():
    # Round 2's floor is slower: ours of round 2 against the floor of round 1 would read
    # x1.50; against its own floor it is x1.00.
    results = {
        "steps": [
            _step("floor@procfile", 50, 20),
            _step("ours@procfile", 50, 26),  # x1.30
            _step("floor@procfile#2", 50, 30),
            _step("ours@procfile#2", 50, 30),  # x1.00
            _step("floor@procfile#3", 50, 20),
            _step("ours@procfile#3", 50, 22),  # x1.10
        ],
        "connects": [
            _connect("floor@procfile", 800),
            _connect("ours@procfile", 400),
            _connect("floor@procfile#2", 800),
            _connect("ours@procfile#2", 800),
            _connect("floor@procfile#3", 500),
            _connect("ours@procfile#3", 600),
        ],
    }

    lines = report.over_rounds(results)

    row = next(line for line in lines if line.startswith("| ours@procfile |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1] == "3"
    assert cells[2] == "x1.10 (x1.30, x1.00, x1.10)"
    assert cells[3] == "x1.00 (x1.00, x1.00, x1.00)"
    assert cells[4] == "x1.00 (x0.50, x1.00, x1.20)"
    assert not any(line.startswith("| floor@") for line in lines)


def test_one_round_has_no_summary_over_rounds():
    results = {
        "steps": [_step("floor@procfile", 50, 20), _step("ours@procfile", 50, 26)],
        "connects": [],
    }

    assert report.over_rounds(results) == []


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert report._median([1.4, 1.0, 1.2, 1.1]) == 1.15
    assert report._median([float("nan"), 2.0]) == 2.0
