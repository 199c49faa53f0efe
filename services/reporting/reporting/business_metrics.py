"""Business metrics for Prometheus, refreshed from the read models (``domain/carte_business.py``).

Gauges, not counters: they mirror stocks the read models hold (a rebuild may lower them).
``solidarity_business_figures_timestamp_seconds`` says when they were last read, so an alert
(deploy/prometheus/rules) notices figures that stopped being refreshed. Consumer lag is
``reporting.lag``'s.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Gauge

from reporting.domain.carte_business import BusinessFigures

HOUSEHOLDS = Gauge(
    "solidarity_business_households_registered", "Households on the register (merged aside), by area.", ["area"]
)
PEOPLE = Gauge("solidarity_business_people_registered", "People of the households on the register, by area.", ["area"])
DECISIONS = Gauge("solidarity_business_aid_decisions", "Aid decisions to date, by outcome.", ["outcome"])
DISBURSED = Gauge("solidarity_business_aid_disbursed_dzd", "Aid disbursed to date, in dinars.")
URGENT = Gauge("solidarity_business_urgent_aid_granted", "Urgent aids granted to date.")
OVERDUE = Gauge(
    "solidarity_business_urgent_regularisations_overdue", "Urgent aids not regularised in time to date (SLA breaches)."
)
GIFTS = Gauge("solidarity_business_gifts", "Gifts recorded to date, by kind and currency.", ["category"])
GIFTS_AMOUNT = Gauge(
    "solidarity_business_gifts_amount_minor",
    "Gifts' amounts to date in minor units, by kind and currency.",
    ["category"],
)
SIGNALS_OPEN = Gauge("solidarity_business_signals_open", "Signals reported and not closed, by category.", ["category"])
SIGNALS_LATE = Gauge(
    "solidarity_business_signals_late", "Signals escalated past their deadline to date (SLA breaches)."
)
REFRESHED = Gauge(
    "solidarity_business_figures_timestamp_seconds", "When the business figures were last read (Unix time)."
)


def publish(figures: BusinessFigures, at: datetime) -> None:
    """Set every gauge from ``figures``, read at ``at``."""
    for gauge, table in ((HOUSEHOLDS, figures.households), (PEOPLE, figures.people), (DECISIONS, figures.decisions),
                         (GIFTS, figures.gifts), (GIFTS_AMOUNT, figures.gifts_amount_minor),
                         (SIGNALS_OPEN, figures.signals_open)):  # fmt: skip
        for label, value in table.items():
            gauge.labels(label).set(value)
    DISBURSED.set(figures.disbursed_dzd)
    URGENT.set(figures.urgent_granted)
    OVERDUE.set(figures.urgent_overdue)
    SIGNALS_LATE.set(figures.signals_late)
    REFRESHED.set(at.timestamp())
