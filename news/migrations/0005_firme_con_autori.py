import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("news", "0004_autori_dai_nomi")]

    operations = [
        migrations.RemoveField(model_name="articleauthor", name="name"),
        migrations.RemoveField(model_name="articleauthor", name="role"),
        migrations.AlterField(
            model_name="articleauthor",
            name="author",
            field=models.ForeignKey(
                help_text="Choose an author, or add one under Snippets › Authors.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bylines",
                to="news.author",
                verbose_name="author",
            ),
        ),
    ]
