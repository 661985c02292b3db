"""Each free-text byline (name, role) becomes an Author snippet, one per name."""

from django.db import migrations
from django.utils.text import slugify


def names_to_authors(apps, schema_editor):
    Author = apps.get_model("news", "Author")
    ArticleAuthor = apps.get_model("news", "ArticleAuthor")
    by_slug = {author.slug: author for author in Author.objects.all()}
    for byline in ArticleAuthor.objects.filter(author__isnull=True).order_by("pk"):
        base = slugify(byline.name)[:100] or "autore"
        author = by_slug.get(base)
        if author is None:
            author = Author.objects.create(name=byline.name, slug=base, role=byline.role)
            by_slug[base] = author
        elif byline.role and not author.role:
            author.role = byline.role
            author.save(update_fields=["role"])
        byline.author = author
        byline.save(update_fields=["author"])


def authors_to_names(apps, schema_editor):
    ArticleAuthor = apps.get_model("news", "ArticleAuthor")
    for byline in ArticleAuthor.objects.select_related("author"):
        byline.name = byline.author.name
        byline.role = byline.author.role
        byline.save(update_fields=["name", "role"])


class Migration(migrations.Migration):
    dependencies = [("news", "0003_autori_e_date_originali")]

    operations = [migrations.RunPython(names_to_authors, authors_to_names)]
