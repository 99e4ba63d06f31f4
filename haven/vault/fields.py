"""Sealed model fields.

A `SealedField` column holds only ciphertext. Assigning a str to it is refused at save time, so a
forgotten `keyring.seal()` fails loudly instead of writing plaintext (invariant 1). Values are
read and written through an open vault: `opened = keyring.open(vault)`, `opened.seal(obj, name=...)`,
`opened.unseal(obj, "name")`, or `keyring.reader(obj).name` in views and templates.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.vault import objects


class SealedField(models.BinaryField):
    """Ciphertext of a value sealed under the row's vault key.

    kind: "text" (str), "json" (any JSON value: dates as ISO strings, lists, dicts) or "bytes".
    box: sealed to the vault's public key instead (writers without a grant: portal, worker).
    """

    def __init__(self, *args: Any, kind: str = "text", box: bool = False, **kwargs: Any) -> None:
        if kind not in {"text", "json", "bytes"}:
            raise ValueError(f"unknown sealed kind {kind!r}")
        self.sealed_kind = kind
        self.sealed_box = box
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        kwargs["kind"] = self.sealed_kind
        if self.sealed_box:
            kwargs["box"] = True
        return name, path, args, kwargs

    @property
    def in_object_storage(self) -> bool:
        """Sealed files go to object storage when HAVEN_STORAGE says so (haven.vault.objects);
        the column then holds only a reference. Text and JSON stay in the row."""
        return self.sealed_kind == "bytes" and objects.enabled()

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is not None and not isinstance(value, str) and self.in_object_storage:
            if not isinstance(value, objects.StoredObject) and not objects.is_reference(value):
                # Upload once, and keep the handle on the instance, so a second save() of the
                # same row does not store the blob again.
                value = objects.put(bytes(value))
                setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, str):
            raise TypeError(
                f"{self.name} is sealed: seal it through an open vault, never assign text"
            )
        if isinstance(value, objects.StoredObject):
            return value.reference
        if value is not None and self.in_object_storage and not objects.is_reference(value):
            # A queryset .update() skips pre_save: the blob is stored here instead.
            return objects.put(bytes(value)).reference
        return super().get_prep_value(value)

    def get_db_converters(self, connection: Any) -> list[Any]:
        # Only file columns can hold an object reference: text and JSON columns, read by the
        # hundred on list pages, get no extra converter call.
        converters: list[Any] = super().get_db_converters(connection)  # type: ignore[misc]
        if self.sealed_kind == "bytes":
            converters = [*converters, self._from_db_object]
        return converters

    def _from_db_object(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is not None and objects.is_reference(value):
            return objects.from_reference(value)
        return value


def sealed_fields(model: type[models.Model]) -> list[SealedField]:
    return [f for f in model._meta.get_fields() if isinstance(f, SealedField)]
