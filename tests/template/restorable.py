"""How template.yaml names each table where the function, its policy, the alarms, the dashboard and
the outputs use it: the stack's table, or a copy restored beside it (docs/operations.md)."""

from __future__ import annotations

from typing import Any

# The rate-limit counters expire within a window: they are never restored.
RESTORABLE = (
    "TokensTable",
    "UsersTable",
    "VisitorsTable",
    "RoomsTable",
    "CountersTable",
    "VisitorRoomsTable",
    "VisitorGuardsTable",
)


def table_name(table: str) -> Any:
    """The table the function uses: `<its name>-<suffix>` once <table>RestoreSuffix is set."""
    if table not in RESTORABLE:
        return {"Ref": table}
    return {
        "Fn::If": [
            f"{table}Restored",
            {"Fn::Sub": f"${{{table}}}-${{{table}RestoreSuffix}}"},
            {"Ref": table},
        ]
    }


def table_arn(table: str, index: str = "") -> Any:
    """The same table (or one of its indexes) in the function's policy."""
    tail = f"/index/{index}" if index else ""
    own: Any = {"Fn::Sub": f"${{{table}.Arn}}{tail}"} if index else {"Fn::GetAtt": f"{table}.Arn"}
    if table not in RESTORABLE:
        return own
    restored = {"Fn::Sub": f"${{{table}.Arn}}-${{{table}RestoreSuffix}}{tail}"}
    return {"Fn::If": [f"{table}Restored", restored, own]}
