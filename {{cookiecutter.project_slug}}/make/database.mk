migrate: ## Apply the migrations to the development database
	docker compose run --rm migrate
migration: ## Write a migration from the models: make migration m="add a column"
	docker compose run --rm app alembic revision --autogenerate -m "$(or $(m),$(error usage: make migration m="what it changes"))"
psql: ## Open psql in the development database
	docker compose up --detach --wait db
	docker compose exec db sh -c 'psql -U "$$POSTGRES_USER" "$$POSTGRES_DB"'
