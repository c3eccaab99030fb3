"""Keeps the investments app in its own database (`investments.db`) and every other app out of it.

Investment models read, write and migrate only on the "investments" alias;
everything else only on "default". No relation may cross the two: an
investment account names the main database's Account by its integer id
(see `investments.consistency` for how that stays true).
"""

from __future__ import annotations

APP = "investments"
ALIAS = "investments"


class InvestmentsRouter:
    def db_for_read(self, model, **hints) -> str:
        return ALIAS if model._meta.app_label == APP else "default"

    def db_for_write(self, model, **hints) -> str:
        return ALIAS if model._meta.app_label == APP else "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return (obj1._meta.app_label == APP) == (obj2._meta.app_label == APP)

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return (app_label == APP) == (db == ALIAS)
