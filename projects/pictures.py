"""A project's pictures: each with its alternative text and credit, kept in Django's default
storage (a folder, or object storage: docs/operations.md) as a bounded original and a display
size made on upload with Pillow.

An upload is checked before anything is kept: its size, that Pillow reads it as a JPEG, PNG or
WebP image, and its pixel count from the header before it is decoded (a decompression bomb, a
small file that decodes to gigabytes, is refused, never decoded). Both kept files are encoded
anew, without the upload's metadata (a phone photo's EXIF holds where it was taken).
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# What Pillow may read, and the file type each is kept as.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# The longest side of the kept original and of the display size, in pixels.
ORIGINAL_SIDE = 3000
DISPLAY_SIDE = 1200
# Every stored name starts with this: the media view serves nothing else (not the exports'
# files, which share the storage).
PREFIX = "pictures/"


class Processed:
    """An upload made into the two files to keep: their bytes, extension and display size."""

    def __init__(self, original, display, extension, width, height):
        self.original, self.display, self.extension = original, display, extension
        self.width, self.height = width, height


def process(upload):
    """Checks `upload` (a file) and returns it `Processed`; a ValidationError says why not."""
    if upload.size > settings.PICTURE_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s.")
            % {"limit": filesizeformat(settings.PICTURE_MAX_BYTES)},
            code="too_large",
        )
    upload.seek(0)
    too_many_pixels = ValidationError(
        _("The picture has more than %(limit)d million pixels.")
        % {"limit": settings.PICTURE_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and only refuses at twice as many: any
            # warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG or WebP picture."), code="format")
            width, height = image.size
            if width * height > settings.PICTURE_MAX_PIXELS:
                raise too_many_pixels
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's own limit (Image.MAX_IMAGE_PIXELS), when it is below the setting's.
        raise too_many_pixels from error
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as error:
        raise ValidationError(
            _("The file is not a picture that can be read."), code="invalid"
        ) from error
    source_format = image.format
    # A photo taken sideways is stored upright; the EXIF that said so is then dropped.
    image = ImageOps.exif_transpose(image)
    if source_format == "JPEG" or image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.mode and source_format != "JPEG" else "RGB")
    original = _resized(image, ORIGINAL_SIDE)
    display = _resized(image, DISPLAY_SIDE)
    return Processed(
        _encoded(original, source_format),
        _encoded(display, source_format),
        FORMATS[source_format],
        *display.size,
    )


def _resized(image, side):
    if max(image.size) <= side:
        return image.copy()
    resized = image.copy()
    resized.thumbnail((side, side), Image.Resampling.LANCZOS)
    return resized


def _encoded(image, image_format):
    buffer = io.BytesIO()
    options = {"quality": 85, "optimize": True} if image_format in ("JPEG", "WEBP") else {}
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


class Picture(models.Model):
    """A picture of a project, shown on its page with its alternative text and credit."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="pictures",
        verbose_name=_("project"),
    )
    # Names in default_storage, new for every upload ("pictures/<uuid>/display.jpg"), so that a
    # file never changes under its name and may be cached for a year.
    original = models.CharField(max_length=200, editable=False)
    display = models.CharField(max_length=200, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    alt_text = models.CharField(
        _("alternative text"),
        max_length=300,
        help_text=_(
            "What the picture shows, for those who cannot see it; in the project's language."
        ),
    )
    credit = models.CharField(
        _("credit"), max_length=200, help_text=_("Who took or made it, e.g. “Photo: Anna Berg”.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["project", "position", "pk"]
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        constraints = [
            models.CheckConstraint(condition=~models.Q(alt_text=""), name="picture_has_alt_text"),
            models.CheckConstraint(condition=~models.Q(credit=""), name="picture_has_credit"),
        ]

    def __str__(self):
        return self.alt_text

    def store(self, processed):
        """Saves `processed`'s files under new names and points this picture at them (the
        previous files are deleted when the picture is saved: `replace_files`)."""
        folder = f"{PREFIX}{uuid.uuid4().hex}/"
        self._replaced = [name for name in (self.original, self.display) if name]
        self.original = default_storage.save(
            f"{folder}original.{processed.extension}", ContentFile(processed.original)
        )
        self.display = default_storage.save(
            f"{folder}display.{processed.extension}", ContentFile(processed.display)
        )
        self.width, self.height = processed.width, processed.height

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        for name in getattr(self, "_replaced", []):
            default_storage.delete(name)
        self._replaced = []

    @property
    def display_url(self):
        return default_storage.url(self.display)

    @property
    def original_url(self):
        return default_storage.url(self.original)


@receiver(post_delete, sender=Picture)
def _delete_files(sender, instance, **kwargs):
    for name in (instance.original, instance.display):
        if name:
            default_storage.delete(name)
