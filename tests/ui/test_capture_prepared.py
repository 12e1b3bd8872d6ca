"""The recogniser is built ahead of the recording (off the GUI thread) and handed over exactly once."""

from __future__ import annotations

import threading

from ui.workers_stream import PreparedEngine


class _Engine:
    name = "test"

    def __init__(self) -> None:
        self.warmed = 0

    def warm_up(self) -> None:
        self.warmed += 1


def test_prepared_engine_is_warmed_and_taken_once() -> None:
    prepared = PreparedEngine(_Engine)
    assert not prepared.ready
    worker = threading.Thread(target=prepared.build)
    worker.start()
    engine = prepared.take()  # waits for the build
    worker.join()
    assert isinstance(engine, _Engine) and engine.warmed == 1 and prepared.ready
    assert prepared.take() is None  # a second recording builds its own (speaker state is per recording)


def test_a_failed_preparation_leaves_the_build_to_the_recogniser_thread() -> None:
    def broken() -> _Engine:
        raise RuntimeError("model folder missing")

    prepared = PreparedEngine(broken)
    prepared.build()  # logged, not raised: the recogniser thread retries and reports the real error
    assert prepared.ready and prepared.take() is None
