"""Finding or creating the Security a source describes, by its identifiers.

Sources describe the same fund differently (Plaid's security_id, a CUSIP
in an OFX file, a ticker typed by a person), so a description is matched
against what is stored, most specific identifier first: Plaid id, ISIN,
CUSIP, ticker. A match is completed with identifiers it lacked; no match
creates a Security. Batch-first: one query per identifier kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from investments.models import Security, SecurityType

IDENTIFIERS = ("plaid_security_id", "isin", "cusip", "ticker")


@dataclass(frozen=True)
class SecurityInfo:
    """What a source says about a security; `key` is the source's own handle for it."""

    key: str
    name: str
    ticker: str = ""
    security_type: str = SecurityType.OTHER
    currency: str = "USD"
    cusip: str = ""
    isin: str = ""
    plaid_security_id: str = ""


def clean_ticker(ticker: str) -> str:
    return "".join(ticker.split()).upper()[:20]


def resolve_securities(infos: list[SecurityInfo]) -> dict[str, Security]:
    """Security per info key, creating or completing rows (call inside a transaction)."""
    known = _known(infos)
    resolved: dict[str, Security] = {}
    for info in infos:
        match = next((known[(field, value)] for field in IDENTIFIERS
                      if (value := getattr(info, field)) and (field, value) in known), None)
        if match is None:
            match = Security(name=(info.name or info.ticker or info.cusip or "Unnamed security")[:200],
                             ticker=info.ticker, security_type=info.security_type,
                             currency=(info.currency or "USD")[:3], cusip=info.cusip, isin=info.isin,
                             plaid_security_id=info.plaid_security_id)
            match.save()
        else:
            changed = [field for field in IDENTIFIERS
                       if getattr(info, field) and not getattr(match, field)
                       and (field, getattr(info, field)) not in known]
            for field in changed:
                setattr(match, field, getattr(info, field))
            if match.security_type == SecurityType.OTHER and info.security_type != SecurityType.OTHER:
                match.security_type = info.security_type
                changed.append("security_type")
            if changed:
                match.save(update_fields=changed)
        for field in IDENTIFIERS:
            if value := getattr(match, field):
                known[(field, value)] = match
        resolved[info.key] = match
    return resolved


def _known(infos: list[SecurityInfo]) -> dict[tuple[str, str], Security]:
    query = Q(pk__in=[])
    for field in IDENTIFIERS:
        values = {getattr(info, field) for info in infos if getattr(info, field)}
        if values:
            query |= Q(**{f"{field}__in": values})
    known = {}
    for security in Security.objects.filter(query):
        for field in IDENTIFIERS:
            if value := getattr(security, field):
                known[(field, value)] = security
    return known
