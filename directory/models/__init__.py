"""The directory app's models, defined in its feature sub-packages and
gathered here, where Django looks for them: the app label (``directory``),
the tables and the migrations stay as they are."""

from directory.companies.models import (
    SEARCH_KEYS,
    Certification,
    CertificationKind,
    CertificationQuerySet,
    Company,
    CompanyPhoto,
    CompanyProfession,
    CompanyProfessionQuerySet,
    CompanyQuerySet,
    CompanyStatus,
    company_upload_to,
)
from directory.places.models import (
    PLM_COMMUNES,
    Place,
    PlaceKind,
    PlaceName,
    PlaceNameKind,
    PostalCode,
)
from directory.quotes.models import (
    QUOTE_NEED_MAX_LENGTH,
    ContactPreference,
    QuoteBudget,
    QuoteReply,
    QuoteRequest,
    QuoteRequestQuerySet,
    QuoteStatus,
    QuoteTimeframe,
)
from directory.taxonomy.models import (
    Bilingual,
    EligibilityCategory,
    Profession,
    ProfessionQuerySet,
    Sector,
)
from directory.team.models import (
    Invitation,
    Membership,
    MembershipRole,
)

__all__ = [
    "PLM_COMMUNES",
    "QUOTE_NEED_MAX_LENGTH",
    "SEARCH_KEYS",
    "Bilingual",
    "Certification",
    "CertificationKind",
    "CertificationQuerySet",
    "Company",
    "CompanyPhoto",
    "CompanyProfession",
    "CompanyProfessionQuerySet",
    "CompanyQuerySet",
    "CompanyStatus",
    "ContactPreference",
    "EligibilityCategory",
    "Invitation",
    "Membership",
    "MembershipRole",
    "Place",
    "PlaceKind",
    "PlaceName",
    "PlaceNameKind",
    "PostalCode",
    "Profession",
    "ProfessionQuerySet",
    "QuoteBudget",
    "QuoteReply",
    "QuoteRequest",
    "QuoteRequestQuerySet",
    "QuoteStatus",
    "QuoteTimeframe",
    "Sector",
    "company_upload_to",
]
