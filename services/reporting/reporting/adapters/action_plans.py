"""Action plans (collection ``action_plans``): the text a cell enters with a period's report, keyed ``area|period``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database


class MongoActionPlans:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["action_plans"]

    def get(self, area: str, period: str) -> str | None:
        doc = self.collection.find_one({"_id": f"{area}|{period}"})
        return None if doc is None else str(doc["text"])

    def put(self, area: str, period: str, text: str, by: str, at: datetime) -> None:
        values = {"area": area, "period": period, "text": text, "by": by, "at": at}
        self.collection.update_one({"_id": f"{area}|{period}"}, {"$set": values}, upsert=True)
