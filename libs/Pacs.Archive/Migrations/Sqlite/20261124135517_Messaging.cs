using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pacs.Archive.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Messaging : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ordering_key",
                table: "outbox",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "outbox",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "trace_state",
                table: "outbox",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "inbox",
                columns: table => new
                {
                    consumer = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    message_id = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    processed_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inbox", x => new { x.consumer, x.message_id });
                });

            migrationBuilder.CreateTable(
                name: "series_summaries",
                columns: table => new
                {
                    series_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    study_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    modality = table.Column<string>(type: "TEXT", nullable: true),
                    number_of_instances = table.Column<int>(type: "INTEGER", nullable: false),
                    number_of_frames = table.Column<long>(type: "INTEGER", nullable: false),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    last_watermark = table.Column<long>(type: "INTEGER", nullable: false),
                    revision = table.Column<long>(type: "INTEGER", nullable: false),
                    document_revision = table.Column<long>(type: "INTEGER", nullable: false),
                    document_stale = table.Column<bool>(type: "INTEGER", nullable: false),
                    stale_since = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    document_built_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_series_summaries", x => x.series_instance_uid);
                });

            migrationBuilder.CreateTable(
                name: "study_summaries",
                columns: table => new
                {
                    study_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    number_of_series = table.Column<int>(type: "INTEGER", nullable: false),
                    number_of_instances = table.Column<int>(type: "INTEGER", nullable: false),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    modalities_in_study = table.Column<string>(type: "TEXT", nullable: true),
                    last_watermark = table.Column<long>(type: "INTEGER", nullable: false),
                    revision = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_study_summaries", x => x.study_instance_uid);
                });

            migrationBuilder.CreateIndex(
                name: "ix_inbox_processed_at",
                table: "inbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "ix_series_summaries_document_stale_updated_at",
                table: "series_summaries",
                columns: new[] { "document_stale", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_series_summaries_study_instance_uid",
                table: "series_summaries",
                column: "study_instance_uid");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "inbox");

            migrationBuilder.DropTable(
                name: "series_summaries");

            migrationBuilder.DropTable(
                name: "study_summaries");

            migrationBuilder.DropColumn(
                name: "ordering_key",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "trace_state",
                table: "outbox");
        }
    }
}
