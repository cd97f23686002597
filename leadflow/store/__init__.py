from leadflow.store import (
    account_models,  # noqa: F401  (customer accounts: tier and follow-up group)
    auth_models,  # noqa: F401  (puts the API tables on Base.metadata)
    capacity,  # noqa: F401  (and the claims on reps' capacity)
    deal_models,  # noqa: F401  (the records of working a deal)
    outbound_models,  # noqa: F401  (and the outbox, reminders, ...)
    review_models,  # noqa: F401  (and the review meeting's conclusions)
    winmodel_models,  # noqa: F401  (and the win-probability models and scores)
)
