import factory

from categories.models import AmountRule, Category, MerchantMapping


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("short_desc",)

    short_desc = factory.Sequence(lambda n: f"category_{n}")
    display_name = factory.LazyAttribute(lambda o: o.short_desc.replace("_", " ").title())
    color = "#336699"


class MerchantMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantMapping

    merchant_pattern = factory.Sequence(lambda n: f"merchant {n}")
    category = factory.SubFactory(CategoryFactory)
    confidence = 1


class AmountRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AmountRule

    description_pattern = "APPLE.COM/BILL"
    amount = "0.99"
    tolerance = "0.00"
    short_desc = "iCloud"
    category = factory.SubFactory(CategoryFactory)
