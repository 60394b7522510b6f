"""What Prometheus scrapes at /metrics: requests, the hall's events, devices and print jobs.

prometheus_client is the reference client. Request and event figures are counted in the process that saw
them; under `hallq serve --workers N` each worker writes them to prometheus_client's multiprocess files
(PROMETHEUS_MULTIPROC_DIR, which the serve command sets before the workers start) and a scrape of any worker
sums them all. Devices and print jobs are read from the database at each scrape, so every process answers
them whole. Labels stay bounded: a route's rule (never the path asked for), an event's name, a hall's code.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Iterable

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from hallq.db import Database
from hallq.queue import device_states, printing
from hallq.queue.events import TICKET_CALLED, Event
from hallq.queue.unit_of_work import UnitOfWork

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self, db: Database, clock: Callable):
        self.registry = CollectorRegistry()
        self.requests = Counter("hallq_http_requests", "HTTP requests answered, by route and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("hallq_http_request_seconds", "time to answer an HTTP request, by route",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.events = Counter("hallq_events", "the hall's news as it left for screens and devices "
                              "(ticket.issued: tickets issued; ticket.called: calls...)", ["event"],
                              registry=self.registry)
        self.call_broadcast = Histogram(
            "hallq_call_broadcast_seconds", "from a call's commit to its news handed to Socket.IO (or Redis) "
            "for every screen", registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1))
        self._database = _DatabaseCollector(db, clock)
        self.registry.register(self._database)

    def install(self, app: Flask) -> None:
        app.before_request(self._started)
        app.after_request(self._answered)

    def counting(self, publish: Callable[[Iterable[Event]], None]) -> Callable[[Iterable[Event]], None]:
        """`publish`, counting what it sends and timing the calls' way out."""
        def counted(events: Iterable[Event]) -> None:
            events = list(events)
            began = time.perf_counter()
            publish(events)
            took = time.perf_counter() - began
            for event in events:
                self.events.labels(event.name).inc()
                if event.name == TICKET_CALLED:
                    self.call_broadcast.observe(took)
        return counted

    def exposition(self) -> bytes:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return generate_latest(self.registry)
        registry = CollectorRegistry()  # every worker's counts, summed from their files
        MultiProcessCollector(registry)
        registry.register(self._database)
        return generate_latest(registry)

    def _started(self) -> None:
        g.metrics_began = time.perf_counter()

    def _answered(self, response):
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        self.requests.labels(request.method, route, str(response.status_code)).inc()
        began = g.get("metrics_began")
        if began is not None:
            self.latency.labels(request.method, route).observe(time.perf_counter() - began)
        return response


class _DatabaseCollector:
    """Devices by believed state and print jobs by outcome, read as Prometheus scrapes."""

    def __init__(self, db: Database, clock: Callable):
        self.db, self.clock = db, clock

    def describe(self):
        return []  # read at each scrape: nothing to check at registration

    def collect(self):
        devices = GaugeMetricFamily("hallq_devices", "devices by believed state (silence is 'unknown')",
                                    labels=["hall", "kind", "state"])
        jobs = CounterMetricFamily("hallq_print_jobs", "print jobs by outcome (failed: paper out, printer off...)",
                                   labels=["hall", "kind", "state"])
        with UnitOfWork(self.db.read) as uow:
            for (hall, kind, state), n in sorted(device_states.tally(uow.session, self.clock()).items()):
                devices.add_metric([hall, kind, state], n)
            for (hall, kind, state), n in sorted(printing.tally(uow.session).items()):
                jobs.add_metric([hall, kind, state], n)
        yield devices
        yield jobs
