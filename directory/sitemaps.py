from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from directory.companies.models import Company
from directory.taxonomy.models import Profession, Sector


class StaticSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> list[str]:
        return ["directory:home", "directory:professions", "directory:trust"]

    def location(self, item: str) -> str:
        return reverse(item)


class SectorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Sector.objects.order_by("position")


class ProfessionSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Profession.objects.public().order_by("slug")


class CompanySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5
    limit = 10_000

    def items(self):
        return Company.objects.listed().order_by("id").only("slug", "updated_at")

    def lastmod(self, company: Company):
        return company.updated_at


SITEMAPS = {
    "pages": StaticSitemap,
    "sectors": SectorSitemap,
    "professions": ProfessionSitemap,
    "companies": CompanySitemap,
}
