"""The emulator's call facade takes every option the call simulator has (one list, so it cannot drift)."""

import inspect

from hotelpbx.pbx.emulator.calls import CallSimulator


def test_place_call_takes_every_option_of_the_simulator(emu):
    options = set(inspect.signature(CallSimulator.place_call).parameters) - {"self"}
    assert {"delay", "callid", "recording", "hangup_by"} <= options
    callid = emu.place_call(kind="internal", src="2101", dst="2102", callid="1700000000.42", delay=0.0)
    assert callid == "1700000000.42"
    assert emu.wait_idle(5)
    assert any(c.get("callid") == "1700000000.42" for c in emu.state.cdrs)
