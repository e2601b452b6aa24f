"""Open-draft locks: a second process is told the draft is open; a killed process leaves a lock that the next
start recognises as a crash to recover from."""

import os
import signal
import subprocess
import sys
import textwrap

from forms import locks

CHILD = textwrap.dedent("""
    import sys, time
    from forms import locks
    lock = locks.acquire(int(sys.argv[1]))
    print(lock.state, flush=True)
    if sys.argv[2] == "close":
        lock.release()
        print("closed", flush=True)
    time.sleep(60)
""")


def start_child(draft_id, mode):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(draft_id), mode], stdout=subprocess.PIPE, text=True,
                            env=os.environ.copy(), cwd=os.getcwd())
    assert proc.stdout.readline().strip() == "free"
    if mode == "close":
        assert proc.stdout.readline().strip() == "closed"
    return proc


def test_a_draft_open_in_another_process_is_held(nianbao_home):
    child = start_child(7, "hold")
    try:
        lock = locks.acquire(7)
        assert lock.state == locks.HELD and not lock.acquired
        assert lock.previous["pid"] == child.pid
    finally:
        child.kill()
        child.wait()


def test_a_killed_process_leaves_a_draft_to_recover(nianbao_home):
    child = start_child(8, "hold")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    lock = locks.acquire(8)
    assert lock.state == locks.RECOVERED and lock.acquired
    lock.release()
    again = locks.acquire(8)
    assert again.state == locks.FREE
    again.release()


def test_a_cleanly_closed_draft_opens_normally(nianbao_home):
    child = start_child(9, "close")
    child.kill()
    child.wait()
    lock = locks.acquire(9)
    assert lock.state == locks.FREE
    lock.release()


def test_a_second_window_in_the_same_process_is_held_too(nianbao_home):
    first = locks.acquire(10)
    second = locks.acquire(10)
    assert (first.state, second.state) == (locks.FREE, locks.HELD)
    first.release()
