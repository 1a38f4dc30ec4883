"""Admins see each visitor's routing decision and its explanation in Settings → Visitors."""


from liveapp.services.routing import router, routing_rules
from tests.visitor_ids import VisitorId


def test_visitor_list_and_detail_show_the_routing_explanation(api, as_admin, rep, app_ctx):
    routing_rules.save_rule(None, {
        "name": "Everyone <b>", "active": True, "route_to_all": True, "criteria": None,
        "distribution": "first_available", "when_nobody": "meeting_booker",
        "offer_timeout_seconds": 30,
    })
    vid = VisitorId()
    api.send(visitor_id=vid)
    decision = router.route(vid, "pounce")
    assert decision is not None and decision.rule_name == "Everyone <b>"
    listing = as_admin.get("/settings/visitors/").get_data(as_text=True)
    assert "Everyone &lt;b&gt;" in listing and "first available" in listing
    assert decision.summary.replace("'", "&#39;").split(";")[0] in listing
    detail = as_admin.get(f"/settings/visitors/{vid}").get_data(as_text=True)
    assert "Routing" in detail and "pounce" in detail
    for line in decision.trace:
        assert line.replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;") in detail
