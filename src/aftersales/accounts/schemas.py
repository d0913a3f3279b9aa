from ninja import Field, Schema


class MerchantIn(Schema):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="lower-case slug")
    name: str = Field(min_length=1, max_length=200)


class MerchantOut(Schema):
    code: str
    name: str
    created_at: str
