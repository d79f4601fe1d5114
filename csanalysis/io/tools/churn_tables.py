"""Customer snapshot tables: the churn datasets analysts learn on.

What the tables look like
-------------------------
One row per customer. The customers reader maps every table with one
generic vocabulary (:mod:`csanalysis.io.customers`); these signatures only
name the table in ``LoadReport.source_format``:

``ibm_telco``
    IBM Telco customer churn, the 2019+ Cognos version: ``Customer ID``,
    ``Satisfaction Score`` (1-5), ``Churn Label`` (Yes/No), ``Churn Value``
    (0/1), ``Churn Reason``, ``Churn Category``, ``Number of Referrals``, or
    ``Customer Status`` (Churned / Stayed / Joined).
``telco_churn``
    The older Kaggle version: ``customerID``, ``tenure``, ``Contract``,
    ``InternetService``, ``Churn`` (Yes/No).
``bank_churn``
    The Kaggle bank churn table: ``CustomerId``, ``Surname`` (personal),
    ``Exited`` (0/1), ``Complain``, ``Satisfaction Score``.
``ecommerce_churn``
    The Kaggle e-commerce churn table: ``CustomerID``, ``Churn`` (0/1),
    ``Tenure``, ``OrderCount``, ``DaySinceLastOrder``, ``SatisfactionScore``,
    ``Complain`` (0/1).
``bank_churners``
    The Kaggle credit-card churners table: ``CLIENTNUM``,
    ``Attrition_Flag`` (Attrited Customer / Existing Customer).

Quirks
------
No time columns; the signatures compare column names reduced to letters
and digits (``Churn Label`` = ``churnlabel``).
"""

from __future__ import annotations

from .base import Tool

__all__ = ["TITLE", "FORMATS"]

#: The tool, in words.
TITLE = "churn dataset"


def _table(name: str, title: str, detect) -> Tool:
    return Tool(name=name, family="churn_tables", title=title, table="customers", detect=detect,
                timezone="no time columns")


FORMATS = (
    _table("ibm_telco", "IBM Telco customer churn (Cognos)",
           lambda h: bool({"churnlabel", "churnvalue"} & h.keys) or {"churncategory", "customerstatus"} <= h.keys),
    _table("telco_churn", "Telco customer churn (Kaggle)",
           lambda h: "customerid" in h.keys and "churn" in h.keys
           and {"tenure", "contract", "internetservice"} <= h.keys),
    _table("bank_churn", "bank customer churn (Kaggle)", lambda h: "exited" in h.keys),
    _table("ecommerce_churn", "e-commerce customer churn (Kaggle)",
           lambda h: "churn" in h.keys and bool({"daysincelastorder", "ordercount", "preferedordercat",
                                                  "preferredlogindevice"} & h.keys)),
    _table("bank_churners", "credit-card churners (Kaggle)", lambda h: "attritionflag" in h.keys),
)
