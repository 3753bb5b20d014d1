"""A project's pictures: checked and resized on upload in the admin, kept through Django's
default storage, shown on the project's page with their alternative text and credit, and
served with a year's Cache-Control; nothing else in the storage is served."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from projects.models import Picture
from projects.pictures import DISPLAY_SIDE, ORIGINAL_SIDE, process
from tests.admin_helpers import CoordinatorsTestCase, changeform_data
from tests.factories import make_project
from tests.list_helpers import html_of


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def in_english():
    # The messages below are read in English, whatever language a previous test left active.
    with translation.override("en"):
        yield


def picture_file(size=(4000, 3000), image_format="JPEG", mode="RGB", name="photo.jpg", exif=None):
    buffer = io.BytesIO()
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=image_format, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png_claiming(width, height):
    """A PNG whose header claims width × height pixels, with almost no data behind it: a
    decompression bomb's shape."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return SimpleUploadedFile("bomb.png", png, content_type="image/png")


def test_a_large_photo_is_bounded_and_a_display_size_made_without_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    processed = process(picture_file(exif=exif))
    original = Image.open(io.BytesIO(processed.original))
    display = Image.open(io.BytesIO(processed.display))
    assert original.size == (ORIGINAL_SIDE, 2250)
    assert display.size == (DISPLAY_SIDE, 900) == (processed.width, processed.height)
    assert original.format == display.format == "JPEG"
    assert not original.getexif() and not display.getexif()


def test_a_small_png_keeps_its_size_and_transparency():
    processed = process(picture_file((300, 200), "PNG", "RGBA", "logo.png"))
    display = Image.open(io.BytesIO(processed.display))
    assert (display.format, display.mode, display.size) == ("PNG", "RGBA", (300, 200))
    assert processed.extension == "png"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.jpg", b"not a picture at all"), "not a picture that can be read"),
        (picture_file((10, 10), "GIF", "RGB", "x.gif"), "Upload a JPEG, PNG or WebP picture."),
        (png_claiming(100_000, 100_000), "more than 40 million pixels"),
        (png_claiming(9_000, 5_000), "more than 40 million pixels"),
    ],
)
def test_what_is_not_a_small_enough_picture_is_refused_before_it_is_decoded(upload, message):
    with pytest.raises(ValidationError) as error:
        process(upload)
    assert message in error.value.messages[0]


def test_pillows_own_bomb_check_stands_behind_the_limit(settings):
    settings.PICTURE_MAX_PIXELS = 10**12
    with pytest.raises(ValidationError) as error:
        process(png_claiming(100_000, 100_000))
    assert "pixels" in error.value.messages[0]


def test_a_file_larger_than_the_limit_is_refused(settings):
    settings.PICTURE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as error:
        process(picture_file((400, 300)))
    assert "larger than" in error.value.messages[0]


@pytest.mark.django_db
def test_the_page_shows_the_picture_and_the_media_view_serves_it_for_a_year(client):
    project = make_project(slug="with-picture", language="sv")
    picture = Picture(project=project, alt_text="Elever vid en sjö", credit="Foto: Anna Berg")
    picture.store(process(picture_file()))
    picture.save()
    html = html_of(client.get("/projects/with-picture/", HTTP_ACCEPT_LANGUAGE="en"))
    assert (
        f'<img src="/media/{picture.display}" alt="Elever vid en sjö" lang="sv" '
        'width="1200" height="900" loading="lazy">'
    ) in html
    assert "Foto: Anna Berg" in html
    assert f'href="/media/{picture.original}"' in html
    response = client.get(f"/media/{picture.display}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (1200, 900)
    # Deleting the picture deletes its files.
    picture.delete()
    assert not default_storage.exists(picture.display)
    assert client.get(f"/media/{picture.display}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["exports/job.csv", "pictures/../exports/job.csv", "pictures/missing.jpg", "../x"]
)
def test_nothing_but_pictures_is_served(client, media_root, name):
    (media_root / "exports").mkdir()
    (media_root / "exports" / "job.csv").write_text("secret")
    assert client.get(f"/media/{name}").status_code == 404


class PictureAdminTests(CoordinatorsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.project = make_project(slug="kalix-pictures", municipality=cls.kalix)
        cls.url = reverse("admin:projects_project_change", args=[cls.project.pk])

    @pytest.fixture(autouse=True)
    def _media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def post(self, **fields):
        data = changeform_data(self.client.get(self.url))
        data.update({"pictures-TOTAL_FORMS": "1", **fields})
        return self.client.post(self.url, data)

    def test_a_coordinator_uploads_a_picture_with_its_alternative_text_and_credit(self):
        self.sign_in(self.kalix_user)
        response = self.post(
            **{
                "pictures-0-upload": picture_file(),
                "pictures-0-alt_text": "Pupils by a lake",
                "pictures-0-credit": "Photo: Anna Berg",
                "pictures-0-position": "0",
            }
        )
        self.assertEqual(response.status_code, 302)
        picture = Picture.objects.get(project=self.project)
        self.assertEqual((picture.width, picture.height), (1200, 900))
        self.assertTrue(default_storage.exists(picture.original))
        self.assertContains(self.client.get(self.url), picture.display_url)

    def test_a_picture_without_alternative_text_or_credit_is_refused(self):
        self.sign_in(self.kalix_user)
        response = self.post(**{"pictures-0-upload": picture_file(), "pictures-0-position": "0"})
        self.assertEqual(response.status_code, 200)
        errors = response.context["inline_admin_formsets"][-1].formset.errors[0]
        self.assertEqual(set(errors), {"alt_text", "credit"})
        self.assertFalse(Picture.objects.exists())

    def test_a_file_that_is_no_picture_is_a_form_error(self):
        self.sign_in(self.kalix_user)
        response = self.post(
            **{
                "pictures-0-upload": SimpleUploadedFile("x.jpg", b"%PDF-1.4"),
                "pictures-0-alt_text": "x",
                "pictures-0-credit": "y",
                "pictures-0-position": "0",
            }
        )
        self.assertContains(response, "The file is not a picture that can be read.")
        self.assertFalse(Picture.objects.exists())

    def test_the_pictures_in_the_form_read_in_each_language(self):
        self.sign_in(self.kalix_user)
        for language, words, error in [
            ("sv", ["Bilder", "Bildfil", "Alternativtext"], "Filen är ingen bild som kan läsas."),
            (
                "en",
                ["Pictures", "Picture file", "Alternative text"],
                "The file is not a picture that can be read.",
            ),
            (
                "lv",
                ["Attēli", "Attēla fails", "Alternatīvais teksts"],
                "Fails nav nolasāms attēls.",
            ),
        ]:
            with self.subTest(language=language):
                self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
                for word in words:
                    self.assertContains(self.client.get(self.url), word)
                response = self.post(
                    **{
                        "pictures-0-upload": SimpleUploadedFile("x.jpg", b"%PDF-1.4"),
                        "pictures-0-alt_text": "x",
                        "pictures-0-credit": "y",
                        "pictures-0-position": "0",
                    }
                )
                self.assertContains(response, error)
                self.assertFalse(Picture.objects.exists())

    def test_another_municipalitys_coordinator_cannot_add_a_picture(self):
        self.sign_in(self.norrkoping_user)
        response = self.client.post(
            self.url,
            {
                "pictures-TOTAL_FORMS": "1",
                "pictures-INITIAL_FORMS": "0",
                "pictures-0-upload": picture_file(),
                "pictures-0-alt_text": "x",
                "pictures-0-credit": "y",
            },
        )
        self.assertIn(response.status_code, (302, 403, 404))
        self.assertFalse(Picture.objects.exists())
