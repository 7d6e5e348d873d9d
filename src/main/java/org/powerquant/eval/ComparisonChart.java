package org.powerquant.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Line2D;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.powerquant.io.AtomicFiles;

/**
 * Draws a {@link ComparisonTable} as grouped bars with JFreeChart: one group per quantization
 * setting, one bar per method (value-labelled top-1 accuracy in percent), and the float model as a
 * dashed reference line named in the legend. Rendering needs no display ({@code java.awt.headless}
 * is set when unset).
 */
public final class ComparisonChart {

    private static final Color[] PALETTE = {
        new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868),
        new Color(0xC44E52), new Color(0x8172B3), new Color(0x937860)
    };

    private final String title;
    private final String subtitle;
    private final int width;
    private final int height;

    private ComparisonChart(Builder builder) {
        title = builder.title;
        subtitle = builder.subtitle;
        width = builder.width;
        height = builder.height;
    }

    /**
     * Returns a builder (title "Top-1 accuracy by quantization setting", 900 x 560 pixels).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds the chart of a table.
     *
     * @param table the accuracies; float rows become the reference line
     * @return the chart
     * @throws IllegalArgumentException when the table has no non-float row
     */
    public JFreeChart chart(ComparisonTable table) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Set<String> settings = new LinkedHashSet<>();
        for (ComparisonTable.Row r : table.rows()) {
            if (!ComparisonTable.FLOAT.equals(r.method())) {
                settings.add(r.setting());
                data.addValue(100 * r.top1(), r.method(), r.setting());
            }
        }
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("comparison chart: the table has no quantized row");
        }
        JFreeChart chart =
                ChartFactory.createBarChart(
                        title,
                        "Quantization setting",
                        "Top-1 accuracy (%)",
                        data,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        if (subtitle != null) {
            chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 13)));
        }
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));

        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setOutlineVisible(false);

        CategoryAxis domain = plot.getDomainAxis();
        domain.setTickLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        domain.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        domain.setCategoryMargin(0.25);

        double max = 0;
        double min = 100;
        for (ComparisonTable.Row r : table.rows()) {
            max = Math.max(max, 100 * r.top1());
            min = Math.min(min, 100 * r.top1());
        }
        // Zoom on the accuracies: the differences between settings are a few points, invisible on a
        // 0-100 axis.
        NumberAxis range = (NumberAxis) plot.getRangeAxis();
        double lower = Math.max(0, 5 * Math.floor((min - 3) / 5));
        range.setRange(lower, Math.min(100, max) + Math.max(2, (max - lower) * 0.12));
        range.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        range.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setMaximumBarWidth(0.12);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        renderer.setDefaultItemLabelGenerator(
                new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.00")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        renderer.setDefaultPositiveItemLabelPosition(
                new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER));

        Optional<ComparisonTable.Row> ref = table.reference();
        if (ref.isPresent()) {
            double f = 100 * ref.get().top1();
            Color paint = new Color(0x333333);
            BasicStroke dashed =
                    new BasicStroke(
                            2f,
                            BasicStroke.CAP_BUTT,
                            BasicStroke.JOIN_MITER,
                            10f,
                            new float[] {8f, 5f},
                            0f);
            ValueMarker marker = new ValueMarker(f, paint, dashed);
            // Behind the bars, so that value labels stay readable; named in the legend.
            plot.addRangeMarker(marker, Layer.BACKGROUND);
            LegendItemCollection items = plot.getLegendItems();
            LegendItem item =
                    new LegendItem(
                            String.format(
                                    Locale.ROOT, "float (%s): %.2f %%", ref.get().setting(), f),
                            null,
                            null,
                            null,
                            new Line2D.Double(-12, 0, 12, 0),
                            dashed,
                            paint);
            item.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            items.add(item);
            plot.setFixedLegendItems(items);
        }
        return chart;
    }

    /**
     * Renders the chart of a table to a PNG file, atomically.
     *
     * @param table the accuracies
     * @param file the PNG file; its folder must exist
     * @throws IOException when writing fails
     */
    public void writePng(ComparisonTable table, Path file) throws IOException {
        JFreeChart chart = chart(table);
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
    }

    /** Options of a {@link ComparisonChart}; each setter returns this builder. */
    public static final class Builder {

        private String title = "Top-1 accuracy by quantization setting";
        private String subtitle;
        private int width = 900;
        private int height = 560;

        Builder() {}

        /**
         * Sets the title.
         *
         * @param title the chart title
         * @return this builder
         */
        public Builder title(String title) {
            this.title = title;
            return this;
        }

        /**
         * Sets a subtitle, e.g. the model and data set.
         *
         * @param subtitle the subtitle, or null for none
         * @return this builder
         */
        public Builder subtitle(String subtitle) {
            this.subtitle = subtitle;
            return this;
        }

        /**
         * Sets the image size.
         *
         * @param width the width in pixels
         * @param height the height in pixels
         * @return this builder
         */
        public Builder size(int width, int height) {
            if (width < 100 || height < 100) {
                throw new IllegalArgumentException(
                        "chart size must be at least 100x100, got " + width + "x" + height);
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Builds the chart renderer.
         *
         * @return the renderer
         */
        public ComparisonChart build() {
            return new ComparisonChart(this);
        }
    }
}
