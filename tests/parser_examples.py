"""Request files shared by the parser and static-check tests."""

from __future__ import annotations

# The complete example of FORMAT.md, verbatim.
COMPLETE_EXAMPLE = """\
# requests/products.http: read the catalogue of a cafe24 mall
@api = https://<<mallid>>.cafe24api.com/api/v2
# @auth cafe24

### List the first page of products
# @name products
GET <<api>>/admin/products?limit=5
    &fields=product_no,product_name,price
Accept: application/json
X-Cafe24-Api-Version: <<api_version>>

?? status == 200
?? length(body.products) <= 5
?? headers."x-api-call-limit" exists
>> first = body.products[0].product_no

### Read one product
GET <<api>>/admin/products/<<first>>
X-Cafe24-Api-Version: <<api_version>>

?? body.product.product_no == <<first>>
?? body.product.price matches '^[0-9]+\\.[0-9]{2}$'

### Create a product
# @name created
POST <<api>>/admin/products
Content-Type: application/json
X-Cafe24-Api-Version: <<api_version>>

{"shop_no": 1, "request": {"product_name": "demo <<$uuid>>", "price": "1000.00"}}

?? status == 201
"""
