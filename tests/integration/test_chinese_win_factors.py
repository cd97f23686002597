"""The win model's explanations are no English in zh_CN (issue 33 item 5): the factors a
trained model gives every open lead, shown as the review shows them, and the review's
Markdown and HTML with the model active."""

from __future__ import annotations

from sqlalchemy import select

from leadflow.i18n import use_locale
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.review.build import build_review, review_markdown
from leadflow.review.html import review_html
from leadflow.review.period import Period
from leadflow.store.winmodel_models import LeadWinScore
from leadflow.winmodel.service import train_model
from leadflow.winmodel.words import why_said
from tests import factories as f
from tests.integration.test_chinese_outputs import _visible, english_in
from tests.integration.test_winmodel import NOW, SMALL, START, referrals_win


def test_a_trained_models_factors_are_said_in_chinese(uow, rules):
    s = uow.session
    f.closed_history(s, rules, 120, START, referrals_win)
    records = [(n, f.lead_record(source=c)) for n, c in enumerate(("referral", "trade_show"), 1)]
    summary = store_leads(s, records, "t", rules, now=NOW)
    process_new_leads(s, summary.lead_ids, NOW, rules)
    assert train_model(s, NOW, SMALL, by="test").active
    uow.commit()
    factors = [row.factors for row in s.scalars(select(LeadWinScore)) if row.factors]
    assert factors
    with use_locale("zh_CN"):
        said = [why_said(f) for f in factors]
        review = build_review(s, Period.parse("2026-Q4"), NOW)
        pages = [review_markdown(review), _visible(review_html(review))]
    assert any("渠道 转介绍" in line for line in said), said
    assert all("个百分点" in line for line in said)
    assert [run for text in [*said, *pages] for run in english_in(text)] == []
