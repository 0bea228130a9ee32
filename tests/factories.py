import datetime

import factory
from django.contrib.auth import get_user_model

from corpus.models import Article
from corpus.text import content_hash


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Summit talks, part {n}")
    authors = factory.LazyFunction(lambda: ["Ada Reporter"])
    publisher = "Wire Service"
    published_on = factory.Sequence(lambda n: datetime.date(2021, 1, 1) + datetime.timedelta(n))
    language = "en"
    body = factory.Sequence(
        lambda n: f"Leaders met on day {n}.\n\nThey agreed to “keep talking” — café diplomacy."
    )
    raw_text = factory.SelfAttribute("body")
    content_hash = factory.LazyAttribute(lambda article: content_hash(article.body))
    origin = factory.Sequence(lambda n: f"article-{n}.txt")
