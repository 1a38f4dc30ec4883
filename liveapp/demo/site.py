"""The demo site under /demo-site/: a made-up B2B SaaS company's website with the liveapp
snippet installed, so a person (or the browser tests) can browse it and be tracked."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from liveapp.demo.seeding import demo_site

# Its templates live beside it (templates/demo_site/); its stylesheet and script stay in
# the app's static folder, at their public URLs under /static/demo-site/.
bp = Blueprint("demo_site", __name__, url_prefix="/demo-site", template_folder="templates")

COMPANY = "Skylark Analytics"
# The pages a visitor can browse, in nav order (the home page is the logo).
NAV = (
    ("product", "Product"), ("pricing", "Pricing"), ("customers", "Customers"),
    ("docs", "Docs"), ("careers", "Careers"),
)
DOC_TOPICS = (
    ("start", "Getting started"), ("install", "Install the agent"),
    ("dashboards", "Dashboards"), ("api", "API reference"),
)
# Like the app's policy, but the site loads only its own files: the snippet and its
# event requests are same-origin here. A customer's site would allow the liveapp origin
# in script-src and connect-src instead.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class ContactForm(FlaskForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120)])
    email = EmailField(
        "Work email",
        validators=[DataRequired("Tell us your work email."), Email("That is not an email."),
                    Length(max=254)],
    )
    company = StringField("Company", validators=[Optional(), Length(max=120)])
    team_size = SelectField(
        "Team size", choices=[("1-10", "1-10"), ("11-50", "11-50"), ("51-200", "51-200"),
                              ("201+", "201 or more")],
    )
    message = TextAreaField("What would you like to see?", validators=[Length(max=2000)])


def demo_site_key() -> str:
    """The demo site's key: the "Demo site" row's, else DEMO_SITE_KEY (tests), else none."""
    site = demo_site()
    return site.site_key if site is not None else current_app.config.get("DEMO_SITE_KEY", "")


@bp.after_request
def demo_site_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.context_processor
def demo_site_globals() -> dict:
    return {"site_key": demo_site_key(), "company": COMPANY, "nav": NAV}


@bp.get("/")
def home():
    return render_template("demo_site/home.html", page="home")


@bp.get("/<any(product, pricing, customers, docs, careers):page>")
def page(page: str):
    # Docs switch topics in place with pushState (a small single-page app) and read
    # ?topic= on a full load, so both kinds of navigation get tracked.
    topic = request.args.get("topic", "start")
    if topic not in dict(DOC_TOPICS):
        topic = "start"
    return render_template(f"demo_site/{page}.html", page=page, topic=topic, topics=DOC_TOPICS)


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    form = ContactForm()
    if form.validate_on_submit():
        # The demo keeps nothing: the snippet has already sent the identify event.
        flash(f"Thanks {form.name.data or 'there'}! We will email {form.email.data} shortly.")
        return redirect(url_for("demo_site.thanks"), code=303)
    status = 422 if form.errors else 200
    return render_template("demo_site/contact.html", page="contact", form=form), status


@bp.get("/contact/thanks")
def thanks():
    return render_template("demo_site/thanks.html", page="contact")
