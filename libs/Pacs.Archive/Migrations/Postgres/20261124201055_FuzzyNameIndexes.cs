using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pacs.Archive.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FuzzyNameIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.CreateIndex(
                name: "ix_studies_referring_physician_name_fuzzy",
                table: "studies",
                column: "referring_physician_name_fuzzy")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_patients_patient_name_fuzzy",
                table: "patients",
                column: "patient_name_fuzzy")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_studies_referring_physician_name_fuzzy",
                table: "studies");

            migrationBuilder.DropIndex(
                name: "ix_patients_patient_name_fuzzy",
                table: "patients");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
