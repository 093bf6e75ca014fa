using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pacs.Archive.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class QueryIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_instances_status_updated_at",
                table: "instances");

            migrationBuilder.DropIndex(
                name: "ix_instances_study_row_id_status",
                table: "instances");

            migrationBuilder.CreateIndex(
                name: "ix_instances_creating_updated_at",
                table: "instances",
                column: "updated_at",
                filter: "status = 0");

            migrationBuilder.CreateIndex(
                name: "ix_instances_deleting_updated_at",
                table: "instances",
                column: "updated_at",
                filter: "status = 2");

            migrationBuilder.CreateIndex(
                name: "ix_instances_study_row_id_status_series_row_id",
                table: "instances",
                columns: new[] { "study_row_id", "status", "series_row_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_instances_creating_updated_at",
                table: "instances");

            migrationBuilder.DropIndex(
                name: "ix_instances_deleting_updated_at",
                table: "instances");

            migrationBuilder.DropIndex(
                name: "ix_instances_study_row_id_status_series_row_id",
                table: "instances");

            migrationBuilder.CreateIndex(
                name: "ix_instances_status_updated_at",
                table: "instances",
                columns: new[] { "status", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_instances_study_row_id_status",
                table: "instances",
                columns: new[] { "study_row_id", "status" });
        }
    }
}
