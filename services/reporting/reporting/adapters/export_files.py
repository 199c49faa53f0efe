"""Files of exports that ran as jobs (collection ``export_files``), keyed by the job's id."""

from __future__ import annotations

from typing import Any

from bson import Binary
from pymongo.database import Database

from reporting.app.ports import File


class MongoExportFiles:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["export_files"]

    def put(self, job_id: str, file: File) -> None:
        doc = {"name": file.name, "media_type": file.media_type, "content": Binary(file.content)}
        self.collection.update_one({"_id": job_id}, {"$set": doc}, upsert=True)

    def get(self, job_id: str) -> File | None:
        doc = self.collection.find_one({"_id": job_id})
        return None if doc is None else File(doc["name"], doc["media_type"], bytes(doc["content"]))
