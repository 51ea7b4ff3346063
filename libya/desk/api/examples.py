"""Parameter examples written into descriptions, so Swagger's "Try it out" starts empty.

Swagger UI fills every parameter that has an ``example`` or ``examples`` into the form
of "Try it out": executing a request with one parameter set would send every example
with it. Written into the description instead, the examples stay visible in both
Swagger UI and Redoc, and the form starts empty.
"""


def examples_into_descriptions(result: dict, **kwargs) -> dict:
    """Postprocessing hook (drf-spectacular): move each parameter's examples to its text."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                _describe_examples(parameter)
    return result


def _describe_examples(parameter: dict) -> None:
    found = [parameter.pop("example")] if "example" in parameter else []
    found += [
        example["value"] for example in parameter.pop("examples", {}).values() if "value" in example
    ]
    values = [str(v) for value in found for v in (value if isinstance(value, list) else [value])]
    if values:
        listed = ", ".join(f"`{value}`" for value in dict.fromkeys(values))
        text = parameter.get("description", "").rstrip()
        parameter["description"] = f"{text}\n\nExample: {listed}".strip()
