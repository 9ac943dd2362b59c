from flask import Blueprint, render_template

from webapp.auth.access import public
from webapp.regions.services import all_regions

blueprint = Blueprint("regions", __name__, url_prefix="/regions")


@public
@blueprint.get("/")
def index() -> str:
    return render_template("regions/index.html", regions=all_regions())
