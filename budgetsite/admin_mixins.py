"""Admin building blocks shared by the apps."""


class ReadOnlyAdminMixin:
    """For logs and history: visible in the admin, never edited there."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
