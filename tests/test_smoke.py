from hallq.queue import calling


def test_issue_and_call_next(hall, clock):
    t = hall.issue("GA01")
    assert t.number == "A001"
    clerk = hall.clerk("S001", window=1)
    called = hall.run(calling.call_next, clerk, 1, clock())
    assert called.id == t.id and called.status == "called"
