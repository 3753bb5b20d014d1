"""A coordinator who opens an admin address that is not theirs, or not there, gets a 404 in the
admin's look and their language, not the public site's page."""

from django.urls import reverse

from tests.admin_helpers import CoordinatorsTestCase
from tests.factories import make_project


class AdminNotFoundTests(CoordinatorsTestCase):
    def test_another_municipalitys_project_is_an_admin_404_in_each_language(self):
        project = make_project(municipality=self.norrkoping)
        url = reverse("admin:projects_project_change", args=[project.pk])
        self.sign_in(self.kalix_user)
        for language, heading, text in [
            ("sv", "Sidan hittades inte", "en kommuns uppgifter är öppna bara för dess egna"),
            ("en", "Page not found", "a municipality's records are open to its own"),
            ("lv", "Lapa nav atrasta", "pašvaldības ierakstiem var piekļūt tikai tās"),
        ]:
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            self.assertEqual(response.status_code, 404)
            page = response.content.decode()
            self.assertIn(f"<h1>{heading}</h1>", page)
            self.assertIn(text, page)
            self.assertIn('id="user-tools"', page)  # the admin's header, signed in
            self.assertIn(f'href="{reverse("admin:index")}"', page)
            self.assertNotIn(f'href="{reverse("projects:list")}"', page)

    def test_an_unknown_admin_address_is_an_admin_404(self):
        self.sign_in(self.kalix_user)
        response = self.client.get("/admin/projects/project/999999/change/")
        self.assertContains(response, "Back to the admin's start page", status_code=404)

    def test_the_public_site_keeps_its_own_404(self):
        response = self.client.get("/projects/no-such-project/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Browse all projects", status_code=404)
        self.assertNotContains(response, "Back to the admin's start page", status_code=404)
