"""`pulumi up` at the repository root deploys stacks/<pulumi stack name>.yaml.

`regionkit up ENV` does the same through the Automation API, with validation and progress.
"""

import pulumi

from regionkit.program import stack_program
from regionkit.spec.loader import load_stack

stack_program(load_stack(f"stacks/{pulumi.get_stack()}.yaml"), validate=True)
