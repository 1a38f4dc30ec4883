"""Everything demo-only: what `liveapp demo`, the tests and the benchmarks run beside the
product, never what a customer's deployment needs.

- `simulator`: visitors browsing the demo site over HTTP (`liveapp simulate`); `visitors`:
  who they are and what they say; `chat_visitor`: their use of the chat widget's API.
- `reps`: a few demo reps at their boards over HTTP (`python -m liveapp.demo.reps`): they
  sign in, hold the board's stream, accept, decline or let pass inbound chats and chats
  handed to them, write, close and pounce; `rep_choices`: what they decide, from a seeded
  generator; `rep_board`: what they read on their boards (stream frames, prompts, cards).
- `seeding`: the demo's users, groups, site, routing rules and sample imports
  (`liveapp seed-demo`), and the processes `liveapp demo` runs beside web and worker;
  `streams`: its example segments, experiences and streams; `history`: three weeks of
  made-up past traffic, routing, chats and meetings, so the reports have shape at once.
- `site`: the made-up company's website under /demo-site/ (templates beside it; its CSS and
  script stay in the app's static folder, at /static/demo-site/).
- `crm_sandbox`: a wire-compatible Salesforce / Outreach / Salesloft (`liveapp crm-sandbox`).
- `data/`: the made-up company data set and its generator (`data/make_companies.py`);
  `liveapp.integrations.company_directory`'s default directory reads `data/companies.csv`.
- `bench`: the benchmarks' /bench endpoints (only with LIVEAPP_BENCH_ENDPOINTS=1).

The product imports this package in two places only: the CLI's demo commands and the app
factory's registration of the demo site and bench blueprints (`liveapp.blueprints`).

Not here, though `liveapp demo` uses them: `liveapp.embedded_redis` and `liveapp.processes`
are product infrastructure. Any command (`liveapp web`, `worker`, `pipeline`) starts the
embedded Redis when REDIS_URL is unset, `liveapp web` supervises gunicorn with
`processes.ProcessGroup`, and the metrics folders use `processes.pid_alive`. Nor is
`liveapp.simulated_clients`: the web (`liveapp.web.client_ip_of`) checks the simulator's
signed addresses on every request, so the check belongs to the product; only the key is
the demo's.
"""
