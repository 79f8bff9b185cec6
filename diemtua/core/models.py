from django.db import models


class BaseModel(models.Model):
    """Every record knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class StoredFile(BaseModel):
    """A checked upload kept in the "uploads" storage (core/uploads.py), outside the web root.

    `stored_name` is random; the name the person gave is kept only for the download;
    `content_type` is what the bytes showed, not what the browser claimed. Concrete models add
    the object they belong to. Serve with uploads.download_response after an access check.
    """

    stored_name = models.CharField(max_length=255, unique=True, editable=False)
    original_name = models.CharField(max_length=255)
    file_kind = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
